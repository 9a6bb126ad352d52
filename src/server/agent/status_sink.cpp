#include "server/agent/status_sink.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "agent/objects.hpp"
#include "common/json_fields.hpp"
#include "common/log.hpp"
#include "common/rfc3339.hpp"
#include "server/agent/agent_hub.hpp"
#include "server/agent/agent_session.hpp"
#include "server/agent/cluster_objects.hpp"
#include "server/api/releases.hpp"
#include "server/api/request_params.hpp"
#include "server/core/crypto.hpp"
#include "server/core/state.hpp"
#include "server/store/app_store.hpp"
#include "server/store/build_log_store.hpp"
#include "server/store/cluster_object_store.hpp"
#include "server/store/usage_store.hpp"

namespace sb::server::agent {
namespace asio = boost::asio;
namespace json = boost::json;

namespace {

bool terminal(std::string_view phase) { return phase == "Completed" || phase == "Failed"; }

constexpr auto kResyncDelay = std::chrono::seconds(5);

asio::awaitable<void> resync_later(ServerState& state, std::string cluster_id) {
    asio::steady_timer timer(co_await asio::this_coro::executor, kResyncDelay);
    co_await timer.async_wait(asio::use_awaitable);
    auto connection = state.agents.find(cluster_id);
    if (!connection) co_return;  // the next connection gets everything anyway
    connection->resync_pending = false;
    co_await sync_cluster(state, std::move(cluster_id));
}

std::optional<std::int64_t> time_at(const json::object& o, std::string_view key) {
    auto when = sb::parse_rfc3339(sb::get_string_view(o, key));
    if (!when) return std::nullopt;
    return std::chrono::duration_cast<std::chrono::milliseconds>(when->time_since_epoch()).count();
}

std::string log_stream_id(const std::string& build_id) { return "build-log-" + build_id; }

json::object build_event(const store::ClusterBuild& b, const json::object& reported) {
    return {{"id", b.id},
            {"appId", b.app_id},
            {"gitRef", b.git_ref},
            {"imageTag", b.image_tag},
            {"status", {{"phase", b.status}, {"message", b.message}}},
            {"reported", reported},
            {"startedAt", api::timestamp(b.started_at)},
            {"finishedAt", api::timestamp(b.finished_at)}};
}

void publish_build(ServerState& state, const store::ClusterBuild& b, std::string_view kind, const json::object& data) {
    state.events.publish("build:" + b.id, std::string(kind), data);
    state.events.publish("app:" + b.app_id, std::string(kind), data);
    state.events.publish("project:" + b.project_id, std::string(kind), data);
}

// A completed build deployed its image: the app's next release, once per
// build (a redelivered Completed finds the release already there). A
// rollback's build already has its release, made with the request.
asio::awaitable<std::optional<store::Release>> release_build(db::Session& s, const store::ClusterBuild& build,
                                                             const json::object& reported) {
    auto image = sb::get_string(reported, "image");
    if (image.empty()) co_return std::nullopt;
    bool exists = co_await store::ReleaseStore(s).exists_for_build(build.id);
    if (exists) co_return std::nullopt;
    auto app = co_await store::AppStore(s).find(build.app_id);
    if (!app) co_return std::nullopt;
    auto spec = json::parse(app->spec).as_object();
    std::string kind = sb::get_string(spec, "build.type") == "image" ? "image" : "build";
    std::string description = "build " + build.id;
    if (auto commit = sb::get_string(reported, "commit"); !commit.empty()) description += " of " + commit.substr(0, 12);
    description += ": " + image;
    api::NewRelease n{build.app_id, kind, "system", description, image, sb::get_string(reported, "digest"), build.id,
                      app->spec, app->secrets, app->reported};
    co_return co_await api::record_release(s, std::move(n));
}

// Streams a build's log into the server once its pod runs; once per connection.
void open_build_log(AgentConnection& connection, const store::ClusterBuild& build, const sb::agent::ObjectRef& ref) {
    if (!connection.logs_opened.insert(build.id).second) return;
    auto stream = log_stream_id(build.id);
    connection.log_streams[stream] = {build.id};
    connection.send(sb::agent::OpenLogs{stream, ref, "", true, std::nullopt, std::nullopt});
}

asio::awaitable<void> ingest_build(ServerState& state, AgentConnection& connection, sb::agent::Status status) {
    auto id = build_id_of(status.object.name);
    if (!id) co_return;
    store::ClusterObjectStore objects(*state.db);
    auto found = co_await objects.build(connection.cluster_id(), *id);
    if (!found || found->project_name != status.object.namespace_) co_return;
    auto build = std::move(*found);
    bool was_terminal = terminal(build.status);
    if (status.deleted) {
        if (was_terminal) co_return;
        build.status = "Failed";
        build.message = "the AppBuild was deleted from the cluster before it finished";
    } else {
        auto phase = sb::get_string(status.status, "phase");
        // A finished build stays as it finished; later reports only add detail.
        if (!was_terminal && !phase.empty()) build.status = phase;
        if (!was_terminal) build.message = sb::get_string(status.status, "message");
        if (auto started = time_at(status.status, "startTime")) build.started_at = started;
        if (auto finished = time_at(status.status, "completionTime"); finished && terminal(build.status))
            build.finished_at = finished;
    }
    if (terminal(build.status) && !build.finished_at) build.finished_at = crypto::now_ms();
    if (terminal(build.status) && !build.started_at) build.started_at = build.finished_at;
    auto reported = json::serialize(status.status);
    bool finishes = terminal(build.status) && !was_terminal;
    bool written = false;
    std::optional<store::Release> release;
    co_await state.db->transact([&](db::Session& s) -> asio::awaitable<void> {
        written = co_await store::ClusterObjectStore(s).report_build(build, reported, finishes);
        if (written && build.status == "Completed" && !status.deleted) release = co_await release_build(s, build, status.status);
        if (written && finishes) {
            // Build minutes from the cluster's own start and completion times, rounded up.
            std::int64_t minutes = (*build.finished_at - *build.started_at + 59'999) / 60'000;
            std::int64_t quantity = std::max<std::int64_t>(1, minutes);
            co_await store::UsageStore(s).append(build.team_id, "build_minutes", quantity, build.id);
        }
    });
    if (!written) co_return;  // another report got there first
    publish_build(state, build, "build.updated", build_event(build, status.status));
    if (release) {
        auto data = api::release_json(*release);
        state.events.publish("app:" + build.app_id, "release.created", data);
        state.events.publish("project:" + build.project_id, "release.created", data);
    }
    bool has_pod = !sb::get_string_view(status.status, "podName").empty();
    if (has_pod && !was_terminal && !status.deleted) open_build_log(connection, build, status.object);
}

asio::awaitable<void> ingest_app(ServerState& state, AgentConnection& connection, sb::agent::Status status) {
    store::ClusterObjectStore objects(*state.db);
    auto app = co_await objects.app(connection.cluster_id(), status.object.namespace_, status.object.name);
    if (!app) co_return;
    std::string phase = status.deleted ? "Deleted" : sb::get_string(status.status, "phase");
    std::string message = status.deleted ? "the App was deleted from the cluster" : sb::get_string(status.status, "message");
    auto reported = json::serialize(status.status);
    co_await objects.report_app(app->id, phase, message, reported);
    json::object event{{"id", app->id}, {"status", {{"phase", phase}, {"message", message}}}, {"reported", status.status}};
    state.events.publish("app:" + app->id, "app.status", event);
    state.events.publish("project:" + app->project_id, "app.status", event);
}

asio::awaitable<void> ingest_service(ServerState& state, AgentConnection& connection, sb::agent::Status status) {
    store::ClusterObjectStore objects(*state.db);
    auto service = co_await objects.service(connection.cluster_id(), status.object.namespace_, status.object.name);
    if (!service) co_return;
    std::string phase = status.deleted ? "Deleted" : sb::get_string(status.status, "phase");
    auto reported = json::serialize(status.status);
    co_await objects.report_service(service->id, phase, reported);
    state.events.publish("project:" + service->project_id, "service.status",
                         {{"id", service->id}, {"status", {{"phase", phase}}}, {"reported", status.status}});
}

}  // namespace

asio::awaitable<void> ingest_status(ServerState& state, AgentConnection& connection, sb::agent::Status status) {
    if (connection.closing()) co_return;
    if (status.deleted) connection.forget_object(status.object);
    const auto kind = status.object.kind;
    if (kind == "AppBuild") co_await ingest_build(state, connection, std::move(status));
    else if (kind == "App") co_await ingest_app(state, connection, std::move(status));
    else if (kind == "Service") co_await ingest_service(state, connection, std::move(status));
}

asio::awaitable<void> ingest_ack(ServerState& state, AgentConnection& connection, sb::agent::Ack ack) {
    auto request = connection.take_request(ack.reply_to);
    if (!request) co_return;
    if (auto waiter = connection.reply_waiters.extract(ack.reply_to)) {
        waiter.mapped()(sb::agent::Body{ack});  // its sender reports the outcome
        co_return;
    }
    // Not carried out, or a delete settled either way: the next sync sends it again if still due.
    if (ack.error || std::holds_alternative<sb::agent::Delete>(*request)) connection.forget_desired(*request);
    if (auto* del = std::get_if<sb::agent::Delete>(&*request)) {
        bool gone = !ack.error || ack.error->code == sb::agent::ErrorCode::not_found;
        if (gone) {
            store::ClusterDelete confirmed{del->object.kind, del->object.namespace_, del->object.name};
            co_await store::ClusterObjectStore(*state.db).confirm_delete(connection.cluster_id(), confirmed);
        }
    }
    if (!ack.error) co_return;
    if (auto* open = std::get_if<sb::agent::OpenLogs>(&*request)) {
        connection.log_streams.erase(open->stream_id);
        // A client's stream the operator would not open ends with its reason.
        if (auto sink = connection.log_sinks.extract(open->stream_id))
            sink.mapped()(sb::agent::LogChunk{open->stream_id, "", "", "", true, ack.error->message});
    }
    std::string what = std::string(sb::agent::type_name(*request));
    if (auto* apply = std::get_if<sb::agent::Apply>(&*request))
        what += " " + sb::get_string(apply->object, "kind") + " " + sb::get_string(apply->object, "metadata.namespace") + "/" +
                sb::get_string(apply->object, "metadata.name");
    if (auto* secret = std::get_if<sb::agent::AppSecret>(&*request))
        what += " " + secret->namespace_ + "/" + sb::agent::app_secret_name(secret->app, secret->purpose);
    sb::log::warn("the cluster refused a request", {{"cluster", json::value(connection.cluster_id())},
                                                    {"request", json::value(what)},
                                                    {"code", json::value(sb::agent::to_string(ack.error->code))},
                                                    {"error", json::value(ack.error->message)}});
    auto* apply = std::get_if<sb::agent::Apply>(&*request);
    if (!apply) co_return;
    if (ack.error->code == sb::agent::ErrorCode::unavailable) {
        // The cluster could not do it now: the whole desired state again in a
        // moment (level-triggered; one pending resync per connection).
        if (!connection.resync_pending) {
            connection.resync_pending = true;
            asio::co_spawn(co_await asio::this_coro::executor, resync_later(state, connection.cluster_id()), asio::detached);
        }
        co_return;
    }
    // A build the cluster will not take fails here, with the cluster's reason.
    if (sb::get_string(apply->object, "kind") != "AppBuild") co_return;
    auto id = build_id_of(sb::get_string(apply->object, "metadata.name"));
    if (!id) co_return;
    store::ClusterObjectStore objects(*state.db);
    auto build = co_await objects.build(connection.cluster_id(), *id);
    if (!build || terminal(build->status)) co_return;
    build->status = "Failed";
    build->message = "the cluster refused the build: " + ack.error->message;
    build->finished_at = crypto::now_ms();
    if (!build->started_at) build->started_at = build->finished_at;
    const bool written = co_await objects.report_build(*build, "{}", true);
    if (!written) co_return;
    publish_build(state, *build, "build.updated", build_event(*build, {}));
}

asio::awaitable<void> ingest_log_chunk(ServerState& state, AgentConnection& connection, sb::agent::LogChunk chunk) {
    if (auto sink = connection.log_sinks.find(chunk.stream_id); sink != connection.log_sinks.end()) {
        auto deliver = sink->second;
        if (chunk.end) connection.log_sinks.erase(sink);
        deliver(std::move(chunk));
        co_return;
    }
    auto it = connection.log_streams.find(chunk.stream_id);
    if (it == connection.log_streams.end()) co_return;
    const std::string build_id = it->second.build_id;
    store::BuildLogStore logs(*state.db);
    // The stream starts at the pod's first line: it replaces what an earlier
    // connection kept, so a reconnect never doubles lines.
    if (!chunk.data.empty()) {
        if (!std::exchange(it->second.started, true)) co_await logs.clear(build_id);
        auto seq = co_await logs.append(build_id, chunk.data);
        state.events.publish("build:" + build_id, "build.log", {{"buildId", build_id}, {"data", chunk.data}, {"chunk", seq}});
    }
    if (chunk.end) {
        connection.log_streams.erase(chunk.stream_id);
        json::object end{{"buildId", build_id}};
        if (!chunk.error.empty()) end["error"] = chunk.error;
        state.events.publish("build:" + build_id, "build.log.end", std::move(end));
    }
}

}  // namespace sb::server::agent
