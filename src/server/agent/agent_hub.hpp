#pragma once
// The live agent connections, one per cluster: where API handlers send
// desired-state changes and where a new connection replaces an old one. All
// calls happen on the IO thread.
#include <boost/json/object.hpp>

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>

#include "agent/messages.hpp"

namespace sb::server::agent {

// One operator's connection as the rest of the server sees it: an outbox of
// encoded frames, the requests awaiting an ack, and the open log streams.
class AgentConnection {
public:
    AgentConnection(std::string cluster_id, int protocol_version)
        : cluster_id_(std::move(cluster_id)), protocol_version_(protocol_version) {}

    const std::string& cluster_id() const { return cluster_id_; }
    int protocol_version() const { return protocol_version_; }

    // Queues a message; requests (apply, delete, openLogs, closeLogs,
    // appSecret) get an id and are remembered until acked (an appSecret
    // without its values). Returns the id ("" for others).
    std::string send(sb::agent::Body body);
    // As send() for a part of the desired state (apply, appSecret, delete),
    // unless this connection already sent that very message: the operator
    // has it, so a burst of API writes does not resend the whole cluster
    // each time. Returns "" when skipped.
    std::string send_desired(sb::agent::Body body);
    // The operator did not carry out `request` (an error ack): send it again next time.
    void forget_desired(const sb::agent::Body& request);
    // The object is gone from the cluster: its next apply is sent whatever was sent before.
    void forget_object(const sb::agent::ObjectRef& object);
    // What a request was, once its ack arrives; nullopt for an unknown id.
    std::optional<sb::agent::Body> take_request(const std::string& id);
    std::size_t pending_requests() const { return requests_.size(); }

    bool has_outgoing() const { return !outbox_.empty(); }
    std::string pop_outgoing();
    // The writer waits on this; called whenever the outbox or state changes.
    std::function<void()> on_ready;

    // Asks the session to send a close frame and end (4000 when a newer
    // connection of the cluster took over, 1001 at shutdown, ...). Once
    // closing, nothing more is sent or recorded for this connection.
    void close(std::uint16_t code, std::string reason);
    struct Closing {
        std::uint16_t code;
        std::string reason;
    };
    const std::optional<Closing>& closing() const { return closing_; }

    // Open build log streams by stream id. `started`: the first chunk arrived
    // (and replaced what was stored before).
    struct LogStream {
        std::string build_id;
        bool started = false;
    };
    std::map<std::string, LogStream> log_streams;
    // Log streams opened for API clients (log_tap.hpp), by stream id: each
    // logChunk of theirs goes to its sink.
    std::map<std::string, std::function<void(sb::agent::LogChunk)>> log_sinks;
    // The connection ended: every open client stream ends, with `why`.
    void end_log_sinks(const std::string& why) {
        auto sinks = std::move(log_sinks);
        log_sinks.clear();
        for (auto& [id, sink] : sinks) sink(sb::agent::LogChunk{id, "", "", "", true, why});
    }
    // Requests whose answer someone awaits (awaited_request.hpp), by id: the
    // ack or the answer in its stead (serviceCredentials) goes to them. When
    // the connection ends each gets an `unavailable` error ack.
    std::map<std::string, std::function<void(const sb::agent::Body&)>> reply_waiters;
    void end_reply_waiters(const std::string& why) {
        auto waiters = std::move(reply_waiters);
        reply_waiters.clear();
        for (auto& [id, waiter] : waiters)
            waiter(sb::agent::Ack{id, sb::agent::Error{sb::agent::ErrorCode::unavailable, why}});
    }
    // What the operator said it can do in its hello ("apply", "sourceUpload", ...).
    std::set<std::string> capabilities;
    // Builds whose log this connection already streamed (not reopened).
    std::set<std::string> logs_opened;
    // A desired state is due again: an apply was answered `unavailable`.
    bool resync_pending = false;
    // sync_cluster is reading the desired state / was asked for another round.
    bool syncing = false, sync_again = false;

private:
    void wake() const {
        if (on_ready) on_ready();
    }
    std::string cluster_id_;
    int protocol_version_;
    std::uint64_t next_id_ = 1;
    std::deque<std::string> outbox_;
    std::map<std::string, sb::agent::Body> requests_;
    std::map<std::string, std::size_t> desired_sent_;  // object key -> fingerprint of what was sent
    std::optional<Closing> closing_;
};

class AgentHub {
public:
    // Makes `connection` its cluster's live one and returns the one it
    // replaced (already told so), if any.
    std::shared_ptr<AgentConnection> attach(std::shared_ptr<AgentConnection> connection);
    // Forgets `connection` if it is still its cluster's live one; true then.
    bool detach(const AgentConnection& connection);
    std::shared_ptr<AgentConnection> find(const std::string& cluster_id) const;
    std::size_t size() const { return live_.size(); }
    // Server shutdown: every session ends.
    void close_all();

private:
    std::map<std::string, std::shared_ptr<AgentConnection>> live_;
};

}  // namespace sb::server::agent
