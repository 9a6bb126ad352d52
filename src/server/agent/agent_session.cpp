#include "server/agent/agent_session.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/serialize.hpp>

#include "agent/codec.hpp"
#include "agent/limits.hpp"
#include "common/log.hpp"
#include "server/agent/agent_hub.hpp"
#include "server/agent/cluster_objects.hpp"
#include "server/agent/status_sink.hpp"
#include "server/core/crypto.hpp"
#include "server/core/state.hpp"
#include "server/http/websocket.hpp"
#include "server/store/cluster_object_store.hpp"
#include "server/store/cluster_store.hpp"

namespace sb::server::agent {
namespace asio = boost::asio;
namespace json = boost::json;
using namespace std::chrono_literals;

namespace {

constexpr std::string_view kServerVersion = SB_VERSION;
// Close codes (docs/agent-protocol.md).
constexpr std::uint16_t kUndecodable = 4001;
constexpr std::uint16_t kNoCommonVersion = 4002;
constexpr int kMaxUndecodableInARow = 10;
// last_seen_at is written at most this often while frames arrive.
constexpr std::int64_t kSeenResolutionMs = 10'000;

std::optional<int> common_version(const std::vector<int>& offered) {
    std::optional<int> best;
    for (int v : offered)
        if (v >= sb::agent::kOldestProtocolVersion && v <= sb::agent::kProtocolVersion && (!best || v > *best)) best = v;
    return best;
}

json::object facts_of(const sb::agent::Hello& hello, int version) {
    json::array capabilities;
    for (const auto& c : hello.capabilities) capabilities.push_back(json::string(c));
    // The token says which cluster this is; the operator's own id for it
    // (by default the kube-system namespace's uid) is kept for support.
    return {{"protocolVersion", version},
            {"operatorClusterId", hello.cluster_id},
            {"capabilities", std::move(capabilities)},
            {"nodes", hello.capacity.nodes},
            {"allocatableCpuMillis", hello.capacity.allocatable_cpu_millis},
            {"allocatableMemoryBytes", hello.capacity.allocatable_memory_bytes}};
}

// An app's Secrets (its env and credentials) go before the App that
// references them; an app whose secrets cannot be opened is not sent at all,
// rather than as an App pointing at values it cannot have.
void send_app(const ServerState& state, AgentConnection& connection, const store::ClusterApp& app,
              const std::map<std::string, std::string>& service_names) {
    api::AppSecrets secrets;
    try {
        secrets = api::app_secrets_from_json(state.secrets.open(app.secrets));
    } catch (const std::exception& e) {
        sb::log::error("app secrets cannot be opened; the app is not sent to its cluster",
                       {{"cluster", json::value(connection.cluster_id())}, {"app", json::value(app.id)},
                        {"error", json::value(e.what())}});
        return;
    }
    for (auto& secret : app_secret_messages(app, secrets)) connection.send_desired(std::move(secret));
    connection.send_desired(sb::agent::Apply{app_object(app, secrets, service_names)});
}

// The cluster's whole desired state, in dependency order: projects (and
// with them namespaces) before what lives in them, deletes last.
void send_desired(const ServerState& state, AgentConnection& connection, const store::ClusterObjects& desired) {
    for (const auto& p : desired.projects) connection.send_desired(sb::agent::Apply{project_object(p)});
    for (const auto& s : desired.services) connection.send_desired(sb::agent::Apply{service_object(s)});
    std::map<std::string, std::string> service_names;
    for (const auto& s : desired.services) service_names.emplace(s.id, s.name);
    for (const auto& a : desired.apps) send_app(state, connection, a, service_names);
    for (const auto& b : desired.builds) connection.send_desired(sb::agent::Apply{build_object(b)});
    for (const auto& d : desired.deletes)
        connection.send_desired(sb::agent::Delete{sb::agent::ObjectRef{d.kind, d.namespace_, d.name}});
}

void publish_cluster(ServerState& state, const std::string& cluster_id, std::string_view state_name) {
    state.events.publish("cluster:" + cluster_id, "cluster.state", {{"id", cluster_id}, {"state", state_name}});
}

// Handles one decoded frame from the operator.
asio::awaitable<void> handle(ServerState& state, AgentConnection& connection, sb::agent::Message message) {
    auto& body = message.body;
    if (auto* status = std::get_if<sb::agent::Status>(&body)) {
        co_await ingest_status(state, connection, std::move(*status));
    } else if (auto* snapshot = std::get_if<sb::agent::Snapshot>(&body)) {
        for (auto& s : snapshot->objects) co_await ingest_status(state, connection, std::move(s));
        if (snapshot->last) {
            // Level-triggered: after every connect the operator gets all of it again.
            auto desired = co_await store::ClusterObjectStore(*state.db).desired(connection.cluster_id());
            send_desired(state, connection, desired);
        }
    } else if (auto* chunk = std::get_if<sb::agent::LogChunk>(&body)) {
        co_await ingest_log_chunk(state, connection, std::move(*chunk));
    } else if (auto* ack = std::get_if<sb::agent::Ack>(&body)) {
        co_await ingest_ack(state, connection, std::move(*ack));
    } else if (auto* credentials = std::get_if<sb::agent::ServiceCredentials>(&body)) {
        // An answer in place of an ack: to whoever asked, and nowhere else (no log, no store).
        connection.take_request(credentials->reply_to);
        if (auto waiter = connection.reply_waiters.extract(credentials->reply_to)) waiter.mapped()(body);
    } else if (std::holds_alternative<sb::agent::Hello>(body)) {
        sb::log::warn("agent sent a second hello; ignored", {{"cluster", json::value(connection.cluster_id())}});
    }
}

}  // namespace

asio::awaitable<void> serve_agent(ServerState& state, WebSocket& ws, WebSocketSession session) {
    const std::string cluster_id = session.params.at("cluster");
    ws.set_read_limit(sb::agent::kMaxMessageBytes);
    ws.set_idle_timeout(60s);
    auto first = co_await ws.read();
    if (!first) co_return;
    auto decoded = sb::agent::decode(*first, sb::agent::Sender::op);
    auto* hello_message = std::get_if<sb::agent::Message>(&decoded);
    auto* hello = hello_message ? std::get_if<sb::agent::Hello>(&hello_message->body) : nullptr;
    if (!hello) {
        std::string why = hello_message ? "the first message must be hello"
                                        : std::get<sb::agent::DecodeFailure>(decoded).error.message;
        co_await ws.close(kUndecodable, why);
        co_return;
    }
    auto version = common_version(hello->protocol_versions);
    if (!version) {
        co_await ws.close(kNoCommonVersion, "this server speaks agent protocol versions " +
                                                std::to_string(sb::agent::kOldestProtocolVersion) + " to " +
                                                std::to_string(sb::agent::kProtocolVersion));
        co_return;
    }
    auto connection = std::make_shared<AgentConnection>(cluster_id, *version);
    connection->capabilities.insert(hello->capabilities.begin(), hello->capabilities.end());
    state.agents.attach(connection);
    auto welcome = sb::agent::encode({"", sb::agent::Welcome{*version, std::string(kServerVersion)}});
    bool welcomed = co_await ws.write(std::move(welcome));
    auto now = crypto::now_ms();
    auto facts = json::serialize(facts_of(*hello, *version));
    if (welcomed) {
        store::ClusterStore clusters(*state.db);
        co_await clusters.record_connected(cluster_id, hello->kubernetes_version, hello->operator_version, facts, now);
        publish_cluster(state, cluster_id, "connected");
        sb::log::info("cluster connected", {{"cluster", json::value(cluster_id)},
                                            {"operatorVersion", json::value(hello->operator_version)},
                                            {"kubernetesVersion", json::value(hello->kubernetes_version)}});
    }

    auto executor = co_await asio::this_coro::executor;
    asio::steady_timer wake(executor, asio::steady_timer::time_point::max());
    bool closed = !welcomed;
    connection->on_ready = [&] { wake.cancel(); };
    // The writer alone writes (Beast allows one write at a time): the reader
    // asks for a close through the connection and keeps reading until the
    // peer answers it.
    auto reader = [&]() -> asio::awaitable<void> {
        int undecodable = 0;
        std::int64_t seen = now;
        for (;;) {
            auto frame = co_await ws.read();
            if (!frame) break;
            if (connection->closing()) continue;
            auto result = sb::agent::decode(*frame, sb::agent::Sender::op);
            if (auto* failure = std::get_if<sb::agent::DecodeFailure>(&result)) {
                sb::log::warn("undecodable agent frame", {{"cluster", json::value(cluster_id)},
                                                          {"error", json::value(failure->error.message)}});
                if (++undecodable >= kMaxUndecodableInARow)
                    connection->close(kUndecodable, "10 undecodable frames in a row; last: " + failure->error.message);
                continue;
            }
            undecodable = 0;
            co_await handle(state, *connection, std::move(std::get<sb::agent::Message>(result)));
            auto t = crypto::now_ms();
            if (t - seen >= kSeenResolutionMs && !connection->closing()) {
                seen = t;
                co_await store::ClusterStore(*state.db).record_seen(cluster_id, t);
            }
        }
        closed = true;
        wake.cancel();
    };
    auto writer = [&]() -> asio::awaitable<void> {
        for (;;) {
            while (connection->has_outgoing() && !connection->closing()) {
                bool ok = co_await ws.write(connection->pop_outgoing());
                if (!ok) co_return;
            }
            if (const auto& closing = connection->closing()) {
                co_await ws.close(closing->code, closing->reason);
                co_return;
            }
            if (closed) co_return;
            wake.expires_at(asio::steady_timer::time_point::max());
            co_await wake.async_wait(asio::as_tuple(asio::use_awaitable));
        }
    };
    using namespace asio::experimental::awaitable_operators;
    if (welcomed) co_await (reader() || writer());
    connection->on_ready = nullptr;
    connection->end_log_sinks("the cluster's operator disconnected");
    connection->end_reply_waiters("the cluster's operator disconnected");
    if (state.agents.detach(*connection)) {
        auto t = crypto::now_ms();
        co_await store::ClusterStore(*state.db).record_disconnected(cluster_id, t);
        publish_cluster(state, cluster_id, "disconnected");
        sb::log::info("cluster disconnected", {{"cluster", json::value(cluster_id)}, {"reason", json::value(ws.close_reason())}});
    }
}

asio::awaitable<void> sync_cluster(ServerState& state, std::string cluster_id) {
    auto connection = state.agents.find(cluster_id);
    if (!connection) co_return;
    // One sync per connection at a time: writes that land meanwhile ask for
    // one more round, which reads them all (a burst of writes is not a burst
    // of whole desired states in memory).
    if (connection->syncing) {
        connection->sync_again = true;
        co_return;
    }
    struct Syncing {
        AgentConnection& c;
        explicit Syncing(AgentConnection& c) : c(c) { c.syncing = true; }
        ~Syncing() { c.syncing = false; }  // also when the database fails
    } syncing(*connection);
    do {
        connection->sync_again = false;
        auto desired = co_await store::ClusterObjectStore(*state.db).desired(cluster_id);
        if (connection->closing()) break;  // ended while the database answered
        send_desired(state, *connection, desired);
    } while (connection->sync_again);
}

}  // namespace sb::server::agent
