// Builds: the history of an app's builds. A build is started here and runs
// on the project's cluster; its status and log come from that cluster only
// (agent/status_sink), published to the build's, app's and project's topics.
#include "server/api/build_start.hpp"
#include "server/api/cluster_sync.hpp"
#include "server/api/reported_status.hpp"
#include "server/store/build_log_store.hpp"
#include "server/api/helpers.hpp"
#include "server/store/build_store.hpp"
#include "server/store/project_store.hpp"

namespace sb::server::api {

// status: the phase and message, then what the cluster reported: why it
// ended (e.g. Reused), the build type used (detected when the app asks for
// detection), the commit the ref resolved to, and the image.
json::object build_json(const store::Build& b) {
    json::object status{{"phase", b.status}, {"message", b.message}};
    add_reported_fields(status, b.reported, {"reason", "buildType", "commit", "image"});
    json::object source = b.source_digest.empty()
                              ? json::object{{"kind", "git"}, {"gitRef", b.git_ref}}
                              : json::object{{"kind", "upload"}, {"digest", b.source_digest}, {"size", b.source_size}};
    return {{"id", b.id}, {"appId", b.app_id}, {"gitRef", b.git_ref}, {"imageTag", b.image_tag},
            {"source", std::move(source)}, {"status", std::move(status)}, {"logsRef", b.logs_ref},
            {"createdAt", timestamp(b.created_at)}, {"startedAt", timestamp(b.started_at)},
            {"finishedAt", timestamp(b.finished_at)}, {"version", b.version}, {"trigger", b.trigger}};
}

asio::awaitable<json::object> insert_build(db::Session& s, NewBuild b) {
    // A build runs in its project's cluster; without one it would wait forever.
    auto project = co_await store::ProjectStore(s).find(b.project_id);
    if (!project || !project->cluster_id)
        throw conflict("project has no cluster to build in: set the project's clusterId first", "clusterId");
    auto id = crypto::new_id();
    std::string image_tag = b.image_tag.empty() ? id : b.image_tag;
    store::Build build{id, b.app_id, b.git_ref, image_tag, "Pending", "", "builds/" + id, crypto::now_ms(), {}, {}, 1, b.trigger};
    build.source_digest = std::move(b.source_digest);
    build.source_size = b.source_size;
    auto out = build_json(build);
    std::string team_id = b.team_id, project_id = b.project_id;
    co_await store::BuildStore(s).insert(std::move(team_id), std::move(project_id), std::move(build));
    co_return out;
}

asio::awaitable<void> announce_build(ServerState& state, std::string project_id, json::object build) {
    std::string id(build.at("id").as_string()), app_id(build.at("appId").as_string());
    state.events.publish("build:" + id, "build.created", build);
    state.events.publish("app:" + app_id, "build.created", build);
    state.events.publish("project:" + project_id, "build.created", build);
    co_await sync_project_cluster(state, project_id);
}

namespace {

const std::vector<std::string>& statuses() {
    static const std::vector<std::string> s = {"Pending", "Building", "Completed", "Failed"};
    return s;
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
    json::object out;
    Response response;
    co_await ctx.state.db->transact([&](db::Session& s) -> asio::awaitable<void> {
        NewBuild wanted{ctx.param("team"), ctx.param("project"), ctx.param("app"), git_ref, image_tag, "api"};
        out = co_await insert_build(s, std::move(wanted));
        auto made = with_etag(Response::json(201, out), 1);
        response = co_await created(s, ctx, std::move(made));
    });
    co_await announce_build(ctx.state, ctx.param("project"), out);
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

}  // namespace

void add_build_routes(Router& r) {
    const std::string base = "/api/v1/teams/{team}/projects/{project}/apps/{app}/builds";
    r.add({"GET", base, Access::team, Role::viewer, "List builds, newest first", "builds", list});
    r.add({"POST", base, Access::team, Role::developer, "Start a build", "builds", create, 201, true, true});
    r.add({"GET", base + "/{build}", Access::team, Role::viewer, "Show a build", "builds", get});
}

}  // namespace sb::server::api
