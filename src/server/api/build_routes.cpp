// Builds: the history of an app's builds with status and timestamps. Status
// changes and log lines are published to the build's, app's and project's
// event topics.
#include "server/api/helpers.hpp"

namespace sb::server::api {

namespace {

constexpr const char* kSelect =
    "SELECT id, app_id, git_ref, image_tag, status, message, logs_ref, created_at, started_at, finished_at, version FROM builds ";

const std::vector<std::string>& statuses() {
    static const std::vector<std::string> s = {"Pending", "Building", "Completed", "Failed"};
    return s;
}
bool terminal(const std::string& s) { return s == "Completed" || s == "Failed"; }

json::object build_json(const db::Row& r) {
    return {{"id", r.str(0)}, {"appId", r.str(1)}, {"gitRef", r.str(2)}, {"imageTag", r.str(3)},
            {"status", {{"phase", r.str(4)}, {"message", r.str(5)}}}, {"logsRef", r.str(6)},
            {"createdAt", timestamp(r.i64(7))}, {"startedAt", timestamp(r.opt_i64(8))},
            {"finishedAt", timestamp(r.opt_i64(9))}, {"version", r.i64(10)}};
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
    auto rows = co_await ctx.state.db->query(
        std::string(kSelect) + "WHERE app_id = $1 AND id < $2 AND (CAST($3 AS TEXT) = '' OR status = $3) ORDER BY id DESC LIMIT $4",
        db::params(ctx.param("app"), after, status, page.limit + 1));
    json::array items;
    for (const auto& r : rows.rows) items.push_back(build_json(r));
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
        co_await s.query("INSERT INTO builds (id, team_id, project_id, app_id, git_ref, image_tag, status, message, logs_ref, created_at) "
                         "VALUES ($1, $2, $3, $4, $5, $6, 'Pending', '', $7, $8)",
                         db::params(id, ctx.param("team"), ctx.param("project"), ctx.param("app"), git_ref, image_tag, "builds/" + id, now));
        auto made = with_etag(Response::json(201, out), 1);
        response = co_await created(s, ctx, std::move(made));
    });
    publish(ctx, "build.created", out);
    co_return response;
}

asio::awaitable<db::Result> load(Context& ctx) {
    co_return co_await ctx.state.db->query(std::string(kSelect) + "WHERE id = $1", db::params(ctx.param("build")));
}

asio::awaitable<Response> get(Context& ctx) {
    auto rows = co_await load(ctx);
    co_return with_etag(Response::json(200, build_json(rows.one())), rows.one().i64(10));
}

// Status reports (from the operator link, or a CI runner with a developer token).
asio::awaitable<Response> update(Context& ctx) {
    auto body = BodyReader::parse(ctx.request.body);
    auto phase = body.required_string("phase", {.max_length = 20});
    auto message = body.string("message", {.max_length = 4000});
    body.finish();
    if (std::find(statuses().begin(), statuses().end(), phase) == statuses().end())
        throw invalid_field("phase", "phase must be Pending, Building, Completed or Failed");
    auto rows = co_await load(ctx);
    const auto& row = rows.one();
    auto version = row.i64(10);
    check_if_match(ctx.request, version);
    if (terminal(row.str(4)) && phase != row.str(4))
        throw ApiError(409, "conflict", "the build already finished as " + row.str(4), "phase");
    auto now = crypto::now_ms();
    auto started = row.opt_i64(8);
    if (!started && phase != "Pending") started = now;
    std::optional<std::int64_t> finished = row.opt_i64(9);
    if (!finished && terminal(phase)) finished = now;
    co_await ctx.state.db->transact([&](db::Session& s) -> asio::awaitable<void> {
        auto r = co_await s.query(
            "UPDATE builds SET status = $1, message = $2, started_at = $3, finished_at = $4, version = version + 1 WHERE id = $5 AND version = $6",
            db::params(phase, message.value_or(row.str(5)), db::nullable(started), db::nullable(finished), ctx.param("build"), version));
        if (r.affected == 0) throw precondition_failed();
        if (terminal(phase) && !row.opt_i64(9)) {
            std::string app_phase = "Failed";
            if (phase == "Completed") app_phase = "Deployed";
            std::int64_t minutes = (*finished - *started + 59'999) / 60'000;
            co_await record_usage(s, ctx.param("team"), "build_minutes", std::max<std::int64_t>(1, minutes), ctx.param("build"));
            co_await s.query("UPDATE apps SET phase = $1, message = $2 WHERE id = $3",
                             db::params(app_phase, message.value_or(""), ctx.param("app")));
        }
    });
    rows = co_await load(ctx);
    auto out = build_json(rows.one());
    publish(ctx, "build.updated", out);
    co_return with_etag(Response::json(200, out), rows.one().i64(10));
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
