// Builds: the history of an app's builds with status and timestamps. Status
// changes and log lines are published to the build's, app's and project's
// event topics.
#include "server/api/helpers.hpp"
#include "server/store/app_store.hpp"
#include "server/store/build_store.hpp"

namespace sb::server::api {

namespace {

const std::vector<std::string>& statuses() {
    static const std::vector<std::string> s = {"Pending", "Building", "Completed", "Failed"};
    return s;
}
bool terminal(const std::string& s) { return s == "Completed" || s == "Failed"; }

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

// Status reports (from the operator link, or a CI runner with a developer token).
asio::awaitable<Response> update(Context& ctx) {
    auto body = BodyReader::parse(ctx.request.body);
    auto phase = body.required_string("phase", {.max_length = 20});
    auto message = body.string("message", {.max_length = 4000});
    body.finish();
    if (std::find(statuses().begin(), statuses().end(), phase) == statuses().end())
        throw invalid_field("phase", "phase must be Pending, Building, Completed or Failed");
    auto current = co_await load(ctx);
    auto version = current.version;
    check_if_match(ctx.request, version);
    if (terminal(current.status) && phase != current.status)
        throw ApiError(409, "conflict", "the build already finished as " + current.status, "phase");
    auto now = crypto::now_ms();
    auto started = current.started_at;
    if (!started && phase != "Pending") started = now;
    std::optional<std::int64_t> finished = current.finished_at;
    if (!finished && terminal(phase)) finished = now;
    co_await ctx.state.db->transact([&](db::Session& s) -> asio::awaitable<void> {
        store::Build next = current;
        next.status = phase;
        next.message = message.value_or(current.message);
        next.started_at = started;
        next.finished_at = finished;
        bool updated = co_await store::BuildStore(s).update_status(std::move(next));
        if (!updated) throw precondition_failed();
        if (terminal(phase) && !current.finished_at) {
            std::string app_phase = "Failed";
            if (phase == "Completed") app_phase = "Deployed";
            std::int64_t minutes = (*finished - *started + 59'999) / 60'000;
            co_await record_usage(s, ctx.param("team"), "build_minutes", std::max<std::int64_t>(1, minutes), ctx.param("build"));
            co_await store::AppStore(s).set_status(ctx.param("app"), app_phase, message.value_or(""));
        }
    });
    auto build = co_await load(ctx);
    auto out = build_json(build);
    publish(ctx, "build.updated", out);
    co_return with_etag(Response::json(200, out), build.version);
}

asio::awaitable<Response> append_logs(Context& ctx) {
    auto body = BodyReader::parse(ctx.request.body);
    auto lines = body.string_list("lines", 1000, {.max_length = 16384});
    body.finish();
    if (!lines) throw invalid_field("lines", "lines is required");
    json::array arr;
    for (auto& l : *lines) arr.push_back(json::string(l));
    ctx.state.events.publish("build:" + ctx.param("build"), "build.log", {{"buildId", ctx.param("build")}, {"lines", std::move(arr)}});
    co_return Response::json(202, json::object{{"accepted", lines->size()}});
}

}  // namespace

void add_build_routes(Router& r) {
    const std::string base = "/api/v1/teams/{team}/projects/{project}/apps/{app}/builds";
    r.add({"GET", base, Access::team, Role::viewer, "List builds, newest first", "builds", list});
    r.add({"POST", base, Access::team, Role::developer, "Start a build", "builds", create, 201, true, false, true});
    r.add({"GET", base + "/{build}", Access::team, Role::viewer, "Show a build", "builds", get});
    r.add({"PATCH", base + "/{build}", Access::team, Role::developer, "Report a build's status", "builds", update, 200, true});
    r.add({"POST", base + "/{build}/logs", Access::team, Role::developer, "Publish build log lines to subscribers", "builds", append_logs, 202, true});
}

}  // namespace sb::server::api
