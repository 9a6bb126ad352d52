// Builds: the history of an app's builds. A build is started here and runs
// on the project's cluster; its status and log come from that cluster only
// (agent/status_sink), published to the build's, app's and project's topics.
#include "server/api/cluster_sync.hpp"
#include "server/api/helpers.hpp"
#include "server/store/build_log_store.hpp"
#include "server/store/build_store.hpp"
#include "server/store/project_store.hpp"

namespace sb::server::api {

namespace {

const std::vector<std::string>& statuses() {
    static const std::vector<std::string> s = {"Pending", "Building", "Completed", "Failed"};
    return s;
}

json::object build_json(const store::Build& b) {
    return {{"id", b.id}, {"appId", b.app_id}, {"gitRef", b.git_ref}, {"imageTag", b.image_tag},
            {"status", {{"phase", b.status}, {"message", b.message}}}, {"logsRef", b.logs_ref},
            {"createdAt", timestamp(b.created_at)}, {"startedAt", timestamp(b.started_at)},
            {"finishedAt", timestamp(b.finished_at)}, {"version", b.version}};
}

void publish(Context& ctx, const std::string& kind, const json::object& build) {
    ctx.state.events.publish("build:" + std::string(build.at("id").as_string()), kind, build);
    ctx.state.events.publish("app:" + ctx.param("app"), kind, build);
    ctx.state.events.publish("project:" + ctx.param("project"), kind, build);
}

asio::awaitable<Response> list(Context& ctx) {
    auto page = page_params(ctx.request, {"status"});
    std::string status = query_value(ctx.request, "status");
    if (!status.empty() && std::find(statuses().begin(), statuses().end(), status) == statuses().end())
        throw invalid_field("status", "status must be Pending, Building, Completed or Failed");
    // Newest first: the cursor walks ids downwards.
    std::string after = page.after;
    if (after.empty()) after = "g";
    store::PageQuery query{after, page.limit + 1};
    auto builds = co_await store::BuildStore(*ctx.state.db).list(ctx.param("app"), std::move(query), status);
    auto items = json_items(builds, build_json);
    co_return Response::json(200, page_result(std::move(items), page));
}

asio::awaitable<Response> create(Context& ctx) {
    auto body = BodyReader::parse(ctx.request.body);
    auto git_ref = body.string("gitRef", {.max_length = 255}).value_or("HEAD");
    auto image_tag = body.string("imageTag", {.max_length = 128}).value_or("");
    body.finish();
    // A build runs in its project's cluster; without one it would wait forever.
    auto project = co_await store::ProjectStore(*ctx.state.db).find(ctx.param("project"));
    if (!project || !project->cluster_id)
        throw conflict("project has no cluster to build in: set the project's clusterId first", "clusterId");
    auto id = crypto::new_id();
    if (image_tag.empty()) image_tag = id;
    auto now = crypto::now_ms();
    json::object out{{"id", id}, {"appId", ctx.param("app")}, {"gitRef", git_ref}, {"imageTag", image_tag},
                     {"status", {{"phase", "Pending"}, {"message", ""}}}, {"logsRef", "builds/" + id},
                     {"createdAt", timestamp(now)}, {"startedAt", nullptr}, {"finishedAt", nullptr}, {"version", 1}};
    Response response;
    co_await ctx.state.db->transact([&](db::Session& s) -> asio::awaitable<void> {
        store::Build build{id, ctx.param("app"), git_ref, image_tag, "Pending", "", "builds/" + id, now, {}, {}, 1};
        co_await store::BuildStore(s).insert(ctx.param("team"), ctx.param("project"), std::move(build));
        auto made = with_etag(Response::json(201, out), 1);
        response = co_await created(s, ctx, std::move(made));
    });
    publish(ctx, "build.created", out);
    co_await sync_project_cluster(ctx.state, ctx.param("project"));
    co_return response;
}

// The router checked that the build exists.
asio::awaitable<store::Build> load(Context& ctx) {
    auto build = co_await store::BuildStore(*ctx.state.db).find(ctx.param("build"));
    if (!build) throw not_found("build");
    co_return std::move(*build);
}

asio::awaitable<Response> get(Context& ctx) {
    auto build = co_await load(ctx);
    co_return with_etag(Response::json(200, build_json(build)), build.version);
}

// The build's output as its cluster streamed it: all of it once the build
// ended, what arrived so far while it runs (follow it live on the event
// WebSocket's build:<id> topic, "build.log" events).
asio::awaitable<Response> logs(Context& ctx) {
    auto text = co_await store::BuildLogStore(*ctx.state.db).read(ctx.param("build"));
    co_return Response{200, "text/plain; charset=utf-8", std::move(text), {}};
}

}  // namespace

void add_build_routes(Router& r) {
    const std::string base = "/api/v1/teams/{team}/projects/{project}/apps/{app}/builds";
    r.add({"GET", base, Access::team, Role::viewer, "List builds, newest first", "builds", list});
    r.add({"POST", base, Access::team, Role::developer, "Start a build", "builds", create, 201, true, true});
    r.add({"GET", base + "/{build}", Access::team, Role::viewer, "Show a build", "builds", get});
    r.add({"GET", base + "/{build}/logs", Access::team, Role::viewer, "Read a build's log (text)", "builds", logs});
}

}  // namespace sb::server::api
