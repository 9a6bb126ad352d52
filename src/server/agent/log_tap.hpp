#pragma once
// One log stream of an App (or an AppBuild) that an API client reads: an
// openLogs on the cluster's live operator connection whose logChunks land in
// a bounded queue here. Closing the tap (dropping the last reference) sends
// closeLogs, so neither end keeps a stream nobody reads. Lines wait in a
// LogQueue of at most kMaxQueuedBytes (lines beyond that are dropped with a
// marker: log_queue.hpp), so memory per stream stays bounded whatever the
// client does.
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "agent/messages.hpp"
#include "server/agent/log_queue.hpp"

namespace sb::server {
struct ServerState;
}

namespace sb::server::agent {

class AgentConnection;

// How many taps each user and each cluster has open, for the limits.
class LogTapCounts {
public:
    std::size_t of_user(const std::string& user_id) const;
    std::size_t of_cluster(const std::string& cluster_id) const;
    void add(const std::string& user_id, const std::string& cluster_id);
    void remove(const std::string& user_id, const std::string& cluster_id);

private:
    std::map<std::string, std::size_t> users_, clusters_;
};

class LogTap {
public:
    static constexpr std::size_t kMaxQueuedBytes = 1 << 20;

    using Entry = LogQueue::Entry;

    // What to open: the object, and for an App one pod or all ("").
    struct Request {
        sb::agent::ObjectRef object;
        std::string pod;
        bool follow = false;
        std::optional<std::int64_t> tail_lines, since_seconds;
    };

    // Opens the stream on the cluster's live connection for `user_id`.
    // Throws ApiError: 503 cluster_unavailable when the cluster is not
    // connected, 429 too_many_log_streams over the per-user or per-cluster
    // limit (config.log_streams_per_user / _per_cluster).
    static std::shared_ptr<LogTap> open(ServerState& state, const std::string& cluster_id, const std::string& user_id,
                                        Request request);
    ~LogTap();
    LogTap(const LogTap&) = delete;
    LogTap& operator=(const LogTap&) = delete;

    // The next entry, if any is queued.
    std::optional<Entry> pop() { return queue_.pop(); }
    bool has_entries() const { return !queue_.empty(); }
    // The stream ended (the pods' logs ended, the operator failed it or the
    // cluster disconnected) and everything queued was popped.
    bool finished() const { return ended_ && queue_.empty(); }
    // Why it ended, when not simply at the end of the log.
    const std::string& error() const { return error_; }
    // Called when an entry is queued or the stream ends.
    std::function<void()> on_ready;
    const std::string& stream_id() const { return stream_id_; }

    // From the connection: one logChunk of this stream.
    void receive(sb::agent::LogChunk chunk);

private:
    LogTap(ServerState& state, std::string cluster_id, std::string user_id, std::string stream_id)
        : state_(state), cluster_id_(std::move(cluster_id)), user_id_(std::move(user_id)), stream_id_(std::move(stream_id)) {}
    void wake() const {
        if (on_ready) on_ready();
    }
    ServerState& state_;
    std::string cluster_id_, user_id_, stream_id_;
    std::weak_ptr<AgentConnection> connection_;
    LogQueue queue_{kMaxQueuedBytes};
    bool ended_ = false;
    std::string error_;
};

}  // namespace sb::server::agent
