// Logs: an app's runtime logs, read from its pods through the operator, and a
// build's log, stored by the server as the cluster streams it. Both answer as
// a streamed response (chunked), text or NDJSON, following live on request.
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "server/agent/log_tap.hpp"
#include "server/api/helpers.hpp"
#include "server/api/log_stream.hpp"
#include "server/store/build_log_store.hpp"
#include "server/store/build_store.hpp"
#include "server/store/project_store.hpp"

namespace sb::server::api {

namespace {

bool terminal(std::string_view phase) { return phase == "Completed" || phase == "Failed"; }

asio::awaitable<Response> app_logs(Context& ctx) {
    auto options = log_options(ctx.request, true);
    auto format = log_format(ctx.request);
    std::string app_id = ctx.param("app");
    auto target = co_await resolve_app_logs(ctx.state, app_id);
    agent::LogTap::Request request{target.object, options.pod, options.follow, options.tail_lines, options.since_seconds};
    auto tap = agent::LogTap::open(ctx.state, target.cluster_id, ctx.user().user_id, std::move(request));
    bool prefix_pod = options.pod.empty();
    co_return Response::streamed(content_type(format), [tap, format, prefix_pod](BodyWriter& out) {
        return pump_tap(tap, format, prefix_pod, out);
    });
}

// Whether the cluster is still streaming this build's log to the server.
bool build_log_open(ServerState& state, const std::optional<std::string>& cluster_id, const std::string& build_id) {
    if (!cluster_id) return false;
    auto connection = state.agents.find(*cluster_id);
    if (!connection) return false;
    for (const auto& [_, stream] : connection->log_streams)
        if (stream.build_id == build_id) return true;
    return false;
}

std::string format_build_text(std::string_view data, LogFormat format) {
    if (format == LogFormat::text) return std::string(data);
    std::string out;
    for (auto line : split_lines(data)) out += json::serialize(json::object{{"line", line}}) + "\n";
    return out;
}

// The stored log, then what the cluster streams (the build:<id> events the
// status sink publishes, numbered so nothing read from the store is written
// twice) until the log ends or the build ended without one.
asio::awaitable<void> follow_build(ServerState& state, std::string build_id, std::optional<std::string> cluster_id,
                                   LogFormat format, BodyWriter& out) {
    asio::steady_timer wake(co_await asio::this_coro::executor, asio::steady_timer::time_point::max());
    auto sub = std::make_shared<EventSubscriber>(state.config.ws_queue_limit);
    sub->on_ready = [&wake] { wake.cancel(); };
    ScopedSubscription unsubscribe{state.events, sub};
    state.events.subscribe(sub, "build:" + build_id);
    auto stored = co_await store::BuildLogStore(*state.db).read_numbered(build_id);
    auto build = co_await store::BuildStore(*state.db).find(build_id);
    std::int64_t last_chunk = stored.last_chunk;
    auto stored_text = format_build_text(stored.data, format);
    bool ok = co_await out.write(std::move(stored_text));
    if (!ok) co_return;
    if (!build || (terminal(build->status) && !build_log_open(state, cluster_id, build_id))) co_return;
    for (;;) {
        while (!sub->empty() && !sub->dropped()) {
            auto message = json::parse(*sub->pop()).as_object();
            auto kind = message["kind"].as_string();
            auto& data = message["data"].as_object();
            if (kind == "build.log") {
                auto chunk = data["chunk"].to_number<std::int64_t>();
                if (chunk <= last_chunk) continue;  // read from the store already
                last_chunk = chunk;
                auto text = format_build_text(data["data"].as_string(), format);
                bool written = co_await out.write(std::move(text));
                if (!written) co_return;
            } else if (kind == "build.log.end") {
                if (auto* error = data.if_contains("error")) {
                    auto last = format_end(std::string(error->as_string()), format);
                    co_await out.write(std::move(last));
                }
                co_return;
            } else if (kind == "build.updated") {
                auto* status = data.if_contains("status");
                auto phase = status ? status->at("phase").as_string() : json::string();
                if (terminal(phase) && !build_log_open(state, cluster_id, build_id)) co_return;
            }
        }
        if (sub->dropped()) {
            auto last = format_end("this client read more slowly than the build wrote; read the log again", format);
            co_await out.write(std::move(last));
            co_return;
        }
        wake.expires_at(asio::steady_timer::time_point::max());
        co_await wake.async_wait(asio::as_tuple(asio::use_awaitable));
        auto cancelled = (co_await asio::this_coro::cancellation_state).cancelled();
        if (cancelled != asio::cancellation_type::none) co_return;
    }
}

// The build's output as its cluster streamed it: what arrived so far, then
// with ?follow=true what follows until the build's log ends.
asio::awaitable<Response> build_logs(Context& ctx) {
    auto options = log_options(ctx.request, false);
    if (options.tail_lines || options.since_seconds)
        throw invalid_field(options.tail_lines ? "tail" : "since", "a build's log is read whole: only follow applies");
    auto format = log_format(ctx.request);
    if (!options.follow) {
        auto text = co_await store::BuildLogStore(*ctx.state.db).read(ctx.param("build"));
        co_return Response{200, content_type(format), format_build_text(text, format), {}};
    }
    auto project = co_await store::ProjectStore(*ctx.state.db).find(ctx.param("project"));
    std::optional<std::string> cluster_id = project ? project->cluster_id : std::nullopt;
    ServerState& state = ctx.state;
    std::string build_id = ctx.param("build");
    co_return Response::streamed(content_type(format), [&state, build_id, cluster_id, format](BodyWriter& out) {
        return follow_build(state, build_id, cluster_id, format, out);
    });
}

const std::vector<QueryParameter>& log_query(bool app) {
    static const std::vector<QueryParameter> app_params = {
        {"follow", "boolean", "keep the stream open and send new lines as the pods write them"},
        {"tail", "integer", "only the last N lines of each pod (0 to 100000)"},
        {"since", "string", "only lines newer than a duration (30s, 5m, 2h) or an RFC 3339 time"},
        {"pod", "string", "one pod of the app (default: all of them, each line prefixed with [pod])"}};
    static const std::vector<QueryParameter> build_params = {
        {"follow", "boolean", "after the stored log, send new lines until the build's log ends"}};
    return app ? app_params : build_params;
}

}  // namespace

void add_log_routes(Router& r) {
    const std::string app = "/api/v1/teams/{team}/projects/{project}/apps/{app}";
    const std::vector<std::string> media = {"text/plain", "application/x-ndjson"};
    Route app_route{"GET", app + "/logs", Access::team, Role::viewer, "Stream an app's runtime logs", "apps", app_logs};
    app_route.query = log_query(true);
    app_route.streamed_media_types = media;
    r.add(std::move(app_route));
    Route build_route{"GET", app + "/builds/{build}/logs", Access::team, Role::viewer, "Read or follow a build's log", "builds",
                      build_logs};
    build_route.query = log_query(false);
    build_route.streamed_media_types = media;
    r.add(std::move(build_route));
}

}  // namespace sb::server::api
