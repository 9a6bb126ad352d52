// Services: databases, caches and queues deployed next to a project's apps.
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "server/api/helpers.hpp"

namespace sb::server::api {

namespace {

constexpr const char* kSelect = "SELECT id, name, type, spec, phase, created_at, updated_at, version FROM services ";
const std::vector<std::string> kTypes = {"postgresql", "mysql", "redis", "mongodb", "rabbitmq", "chart"};

json::object service_json(const db::Row& r) {
    json::object out{{"id", r.str(0)}, {"name", r.str(1)}, {"type", r.str(2)}};
    auto spec = json::parse(r.str(3));
    for (auto& [k, v] : spec.as_object()) out[k] = v;
    out["status"] = {{"phase", r.str(4)}};
    out["createdAt"] = timestamp(r.i64(5));
    out["updatedAt"] = timestamp(r.i64(6));
    out["version"] = r.i64(7);
    return out;
}

void apply_body(BodyReader& body, json::object& spec) {
    if (auto v = body.string("chart", {.max_length = 512})) spec["chart"] = *v;
    if (auto v = body.string("chartVersion", {.max_length = 64})) spec["chartVersion"] = *v;
    if (auto v = body.string("storage", {.max_length = 16})) spec["storage"] = *v;
    if (auto v = body.raw_object("values")) {
        if (json::serialize(*v).size() > 65536) throw invalid_field("values", "values is larger than 64 KiB");
        spec["values"] = *v;
    }
}

asio::awaitable<db::Result> load(Context& ctx) {
    co_return co_await ctx.state.db->query(std::string(kSelect) + "WHERE id = $1", db::params(ctx.param("service")));
}

asio::awaitable<Response> list(Context& ctx) {
    auto page = page_params(ctx.request, {"type"});
    std::string type = query_value(ctx.request, "type");
    auto rows = co_await ctx.state.db->query(
        std::string(kSelect) + "WHERE project_id = $1 AND id > $2 AND (CAST($3 AS TEXT) = '' OR type = $3) ORDER BY id LIMIT $4",
        db::params(ctx.param("project"), page.after, type, page.limit + 1));
    json::array items;
    for (const auto& r : rows.rows) items.push_back(service_json(r));
    co_return Response::json(200, page_result(std::move(items), page));
}

asio::awaitable<Response> create(Context& ctx) {
    auto body = BodyReader::parse(ctx.request.body);
    auto name = body.required_string("name", {.max_length = 63});
    auto type = body.required_string("type", {.max_length = 20});
    json::object spec{{"values", json::object{}}};
    apply_body(body, spec);
    body.finish();
    validate_name("name", name);
    if (std::find(kTypes.begin(), kTypes.end(), type) == kTypes.end())
        throw invalid_field("type", "type must be one of postgresql, mysql, redis, mongodb, rabbitmq, chart");
    if (type == "chart" && !spec.contains("chart")) throw invalid_field("chart", "chart is required when type is chart");
    auto id = crypto::new_id();
    auto now = crypto::now_ms();
    json::object out;
    Response response;
    co_await ctx.state.db->transact([&](db::Session& s) -> asio::awaitable<void> {
        co_await s.query("INSERT INTO services (id, team_id, project_id, name, type, spec, phase, created_at, updated_at) "
                         "VALUES ($1, $2, $3, $4, $5, $6, 'Pending', $7, $7)",
                         db::params(id, ctx.param("team"), ctx.param("project"), name, type, json::serialize(spec), now));
        co_await audit(s, ctx.param("team"), ctx, "service.create", "service", id);
        auto rows = co_await s.query(std::string(kSelect) + "WHERE id = $1", db::params(id));
        out = service_json(rows.one());
        auto made = with_etag(Response::json(201, out), 1);
        response = co_await created(s, ctx, std::move(made));
    });
    ctx.state.events.publish("project:" + ctx.param("project"), "service.created", out);
    co_return response;
}

asio::awaitable<Response> get(Context& ctx) {
    auto rows = co_await load(ctx);
    co_return with_etag(Response::json(200, service_json(rows.one())), rows.one().i64(7));
}

asio::awaitable<Response> update(Context& ctx) {
    auto rows = co_await load(ctx);
    const auto& row = rows.one();
    auto version = row.i64(7);
    auto spec = json::parse(row.str(3)).as_object();
    auto body = BodyReader::parse(ctx.request.body);
    apply_body(body, spec);
    body.finish();
    check_if_match(ctx.request, version);
    co_await ctx.state.db->transact([&](db::Session& s) -> asio::awaitable<void> {
        auto r = co_await s.query("UPDATE services SET spec = $1, updated_at = $2, version = version + 1 WHERE id = $3 AND version = $4",
                                  db::params(json::serialize(spec), crypto::now_ms(), ctx.param("service"), version));
        if (r.affected == 0) throw precondition_failed();
        co_await audit(s, ctx.param("team"), ctx, "service.update", "service", ctx.param("service"));
    });
    rows = co_await load(ctx);
    auto out = service_json(rows.one());
    ctx.state.events.publish("project:" + ctx.param("project"), "service.updated", out);
    co_return with_etag(Response::json(200, out), rows.one().i64(7));
}

asio::awaitable<Response> remove(Context& ctx) {
    auto rows = co_await load(ctx);
    check_if_match(ctx.request, rows.one().i64(7));
    co_await ctx.state.db->transact([&](db::Session& s) -> asio::awaitable<void> {
        co_await s.query("DELETE FROM services WHERE id = $1", db::params(ctx.param("service")));
        co_await audit(s, ctx.param("team"), ctx, "service.delete", "service", ctx.param("service"));
    });
    ctx.state.events.publish("project:" + ctx.param("project"), "service.deleted", {{"id", ctx.param("service")}});
    co_return Response::no_content();
}

}  // namespace

void add_service_routes(Router& r) {
    const std::string base = "/api/v1/teams/{team}/projects/{project}/services";
    r.add({"GET", base, Access::team, Role::viewer, "List services", "services", list});
    r.add({"POST", base, Access::team, Role::developer, "Create a service", "services", create, 201, true, false, true});
    r.add({"GET", base + "/{service}", Access::team, Role::viewer, "Show a service", "services", get});
    r.add({"PATCH", base + "/{service}", Access::team, Role::developer, "Update a service", "services", update, 200, true});
    r.add({"DELETE", base + "/{service}", Access::team, Role::admin, "Delete a service", "services", remove, 204});
}

}  // namespace sb::server::api
