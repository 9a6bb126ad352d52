// Projects: a team's unit of apps and services, one namespace in a cluster,
// with an optional quota (the Project's spec.quota; the app routes refuse
// scaling beyond it).
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "server/agent/agent_session.hpp"
#include "server/api/cluster_sync.hpp"
#include "server/api/helpers.hpp"
#include "server/api/scale_body.hpp"
#include "server/store/cluster_store.hpp"
#include "server/store/project_store.hpp"

namespace sb::server::api {

namespace {

json::object project_json(const store::Project& p) {
    return {{"id", p.id}, {"name", p.name}, {"displayName", p.display_name}, {"description", p.description},
            {"clusterId", p.cluster_id ? json::value(*p.cluster_id) : json::value(nullptr)},
            {"quota", json::parse(p.quota)},
            {"createdAt", timestamp(p.created_at)}, {"updatedAt", timestamp(p.updated_at)}, {"version", p.version}};
}

// The router checked that the project exists.
asio::awaitable<store::Project> load(Context& ctx) {
    auto project = co_await store::ProjectStore(*ctx.state.db).find(ctx.param("project"));
    if (!project) throw not_found("project");
    co_return std::move(*project);
}

// {cpu?, memory?, pods?} as stored; null (or absent members) means no limit.
std::optional<std::string> quota_of(BodyReader& body) {
    if (!body.has("quota")) return std::nullopt;
    auto raw = body.raw_object("quota");
    return json::serialize(raw ? decode_quota(*raw) : json::object{});
}

// A cluster given by id must belong to the caller's team.
asio::awaitable<void> check_cluster(Context& ctx, std::optional<std::string> cluster) {
    if (!cluster || cluster->empty()) co_return;
    bool owned = co_await store::ClusterStore(*ctx.state.db).exists_in_team(*cluster, ctx.param("team"));
    if (!owned) throw invalid_field("clusterId", "clusterId does not name a cluster of this team");
}

asio::awaitable<Response> list(Context& ctx) {
    auto page = page_params(ctx.request, {"name"});
    std::string name = query_value(ctx.request, "name");
    auto projects = co_await store::ProjectStore(*ctx.state.db).list(ctx.param("team"), page_query(page), name);
    co_return Response::json(200, page_result(json_items(projects, project_json), page));
}

asio::awaitable<Response> create(Context& ctx) {
    auto body = BodyReader::parse(ctx.request.body);
    auto name = body.required_string("name", {.max_length = 63});
    auto display = body.string("displayName", {.max_length = 200}).value_or(name);
    auto description = body.string("description", {.max_length = 2000}).value_or("");
    auto cluster = body.string("clusterId", {.max_length = 64});
    auto quota = quota_of(body);
    body.finish();
    validate_name("name", name);
    co_await check_cluster(ctx, cluster);
    auto id = crypto::new_id();
    auto now = crypto::now_ms();
    Response response;
    co_await ctx.state.db->transact([&](db::Session& s) -> asio::awaitable<void> {
        store::ProjectStore projects(s);
        std::optional<std::string> cluster_id;
        if (cluster && !cluster->empty()) cluster_id = *cluster;
        store::Project project{id, name, display, description, cluster_id, now, now, 1, quota.value_or("{}")};
        co_await projects.insert(ctx.param("team"), std::move(project));
        co_await audit(s, ctx.param("team"), ctx, "project.create", "project", id);
        auto stored = co_await projects.find(id);
        auto made = with_etag(Response::json(201, project_json(*stored)), 1);
        response = co_await created(s, ctx, std::move(made));
    });
    co_await sync_project_cluster(ctx.state, id);
    co_return response;
}

asio::awaitable<Response> get(Context& ctx) {
    auto project = co_await load(ctx);
    co_return with_etag(Response::json(200, project_json(project)), project.version);
}

asio::awaitable<Response> update(Context& ctx) {
    auto body = BodyReader::parse(ctx.request.body);
    auto display = body.string("displayName", {.max_length = 200});
    auto description = body.string("description", {.max_length = 2000});
    auto cluster = body.string("clusterId", {.max_length = 64});
    auto quota = quota_of(body);
    body.finish();
    co_await check_cluster(ctx, cluster);
    auto project = co_await load(ctx);
    if (quota) project.quota = *quota;
    check_if_match(ctx.request, project.version);
    if (display) project.display_name = *display;
    if (description) project.description = *description;
    if (cluster && project.cluster_id && *cluster != *project.cluster_id)
        throw invalid_field("clusterId", "a project's cluster cannot change once set (its apps run there); "
                                         "create a project on the other cluster instead");
    if (cluster && !cluster->empty()) project.cluster_id = cluster;
    co_await ctx.state.db->transact([&](db::Session& s) -> asio::awaitable<void> {
        bool updated = co_await store::ProjectStore(s).update(project, crypto::now_ms());
        if (!updated) throw precondition_failed();
        co_await audit(s, ctx.param("team"), ctx, "project.update", "project", ctx.param("project"));
    });
    project = co_await load(ctx);
    auto out = project_json(project);
    ctx.state.events.publish("project:" + ctx.param("project"), "project.updated", out);
    co_await sync_project_cluster(ctx.state, ctx.param("project"));
    co_return with_etag(Response::json(200, out), project.version);
}

asio::awaitable<Response> remove(Context& ctx) {
    auto project = co_await load(ctx);
    check_if_match(ctx.request, project.version);
    co_await ctx.state.db->transact([&](db::Session& s) -> asio::awaitable<void> {
        // The operator deletes the Project's namespace, and with it the apps and services.
        co_await request_cluster_delete(s, ctx.param("project"), "Project", project.name);
        co_await store::ProjectStore(s).remove(ctx.param("project"));
        co_await audit(s, ctx.param("team"), ctx, "project.delete", "project", ctx.param("project"));
    });
    ctx.state.events.publish("project:" + ctx.param("project"), "project.deleted", {{"id", ctx.param("project")}});
    if (project.cluster_id) co_await agent::sync_cluster(ctx.state, *project.cluster_id);
    co_return Response::no_content();
}

}  // namespace

void add_project_routes(Router& r) {
    const std::string base = "/api/v1/teams/{team}/projects";
    r.add({"GET", base, Access::team, Role::viewer, "List projects", "projects", list});
    r.add({"POST", base, Access::team, Role::developer, "Create a project", "projects", create, 201, true, true});
    r.add({"GET", base + "/{project}", Access::team, Role::viewer, "Show a project", "projects", get});
    r.add({"PATCH", base + "/{project}", Access::team, Role::developer, "Update a project", "projects", update, 200, true});
    r.add({"DELETE", base + "/{project}", Access::team, Role::admin, "Delete a project", "projects", remove, 204});
}

}  // namespace sb::server::api
