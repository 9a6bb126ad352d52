// Projects: a team's unit of apps and services, one namespace in a cluster.
#include "server/api/helpers.hpp"

namespace sb::server::api {

namespace {

constexpr const char* kSelect =
    "SELECT id, name, display_name, description, cluster_id, created_at, updated_at, version FROM projects ";

json::object project_json(const db::Row& r) {
    return {{"id", r.str(0)}, {"name", r.str(1)}, {"displayName", r.str(2)}, {"description", r.str(3)},
            {"clusterId", r.opt_str(4) ? json::value(*r.opt_str(4)) : json::value(nullptr)},
            {"createdAt", timestamp(r.i64(5))}, {"updatedAt", timestamp(r.i64(6))}, {"version", r.i64(7)}};
}

asio::awaitable<db::Result> load(Context& ctx, std::string id) {
    co_return co_await ctx.state.db->query(std::string(kSelect) + "WHERE id = $1", db::params(id));
}

// A cluster given by id must belong to the caller's team.
asio::awaitable<void> check_cluster(Context& ctx, std::optional<std::string> cluster) {
    if (!cluster || cluster->empty()) co_return;
    auto rows = co_await ctx.state.db->query("SELECT 1 FROM clusters WHERE id = $1 AND team_id = $2", db::params(*cluster, ctx.param("team")));
    if (rows.empty()) throw invalid_field("clusterId", "clusterId does not name a cluster of this team");
}

asio::awaitable<Response> list(Context& ctx) { co_return co_await list_team_rows(ctx, kSelect, project_json); }

asio::awaitable<Response> create(Context& ctx) {
    auto body = BodyReader::parse(ctx.request.body);
    auto name = body.required_string("name", {.max_length = 63});
    auto display = body.string("displayName", {.max_length = 200}).value_or(name);
    auto description = body.string("description", {.max_length = 2000}).value_or("");
    auto cluster = body.string("clusterId", {.max_length = 64});
    body.finish();
    validate_name("name", name);
    co_await check_cluster(ctx, cluster);
    auto id = crypto::new_id();
    auto now = crypto::now_ms();
    Response response;
    co_await ctx.state.db->transact([&](db::Session& s) -> asio::awaitable<void> {
        co_await s.query("INSERT INTO projects (id, team_id, name, display_name, description, cluster_id, created_at, updated_at) "
                         "VALUES ($1, $2, $3, $4, $5, $6, $7, $7)",
                         db::params(id, ctx.param("team"), name, display, description,
                          db::nullable_text(cluster.value_or("")), now));
        co_await audit(s, ctx.param("team"), ctx, "project.create", "project", id);
        auto rows = co_await s.query(std::string(kSelect) + "WHERE id = $1", db::params(id));
        auto made = with_etag(Response::json(201, project_json(rows.one())), 1);
        response = co_await created(s, ctx, std::move(made));
    });
    co_return response;
}

asio::awaitable<Response> get(Context& ctx) {
    auto rows = co_await load(ctx, ctx.param("project"));
    co_return with_etag(Response::json(200, project_json(rows.one())), rows.one().i64(7));
}

asio::awaitable<Response> update(Context& ctx) {
    auto body = BodyReader::parse(ctx.request.body);
    auto display = body.string("displayName", {.max_length = 200});
    auto description = body.string("description", {.max_length = 2000});
    auto cluster = body.string("clusterId", {.max_length = 64});
    body.finish();
    co_await check_cluster(ctx, cluster);
    auto rows = co_await load(ctx, ctx.param("project"));
    const auto& row = rows.one();
    auto version = row.i64(7);
    check_if_match(ctx.request, version);
    db::Param cluster_param = db::nullable(row.opt_str(4));
    if (cluster) cluster_param = db::nullable_text(*cluster);
    co_await ctx.state.db->transact([&](db::Session& s) -> asio::awaitable<void> {
        auto r = co_await s.query(
            "UPDATE projects SET display_name = $1, description = $2, cluster_id = $3, updated_at = $4, version = version + 1 "
            "WHERE id = $5 AND version = $6",
            db::params(display.value_or(row.str(2)), description.value_or(row.str(3)), cluster_param, crypto::now_ms(),
             ctx.param("project"), version));
        if (r.affected == 0) throw precondition_failed();
        co_await audit(s, ctx.param("team"), ctx, "project.update", "project", ctx.param("project"));
    });
    rows = co_await load(ctx, ctx.param("project"));
    auto out = project_json(rows.one());
    ctx.state.events.publish("project:" + ctx.param("project"), "project.updated", out);
    co_return with_etag(Response::json(200, out), rows.one().i64(7));
}

asio::awaitable<Response> remove(Context& ctx) {
    auto rows = co_await load(ctx, ctx.param("project"));
    check_if_match(ctx.request, rows.one().i64(7));
    co_await ctx.state.db->transact([&](db::Session& s) -> asio::awaitable<void> {
        co_await s.query("DELETE FROM projects WHERE id = $1", db::params(ctx.param("project")));
        co_await audit(s, ctx.param("team"), ctx, "project.delete", "project", ctx.param("project"));
    });
    ctx.state.events.publish("project:" + ctx.param("project"), "project.deleted", {{"id", ctx.param("project")}});
    co_return Response::no_content();
}

}  // namespace

void add_project_routes(Router& r) {
    const std::string base = "/api/v1/teams/{team}/projects";
    r.add({"GET", base, Access::team, Role::viewer, "List projects", "projects", list});
    r.add({"POST", base, Access::team, Role::developer, "Create a project", "projects", create, 201, true, false, true});
    r.add({"GET", base + "/{project}", Access::team, Role::viewer, "Show a project", "projects", get});
    r.add({"PATCH", base + "/{project}", Access::team, Role::developer, "Update a project", "projects", update, 200, true});
    r.add({"DELETE", base + "/{project}", Access::team, Role::admin, "Delete a project", "projects", remove, 204});
}

}  // namespace sb::server::api
