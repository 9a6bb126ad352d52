#include "server/agent/log_tap.hpp"

#include "server/agent/agent_hub.hpp"
#include "server/core/api_error.hpp"
#include "server/core/crypto.hpp"
#include "server/core/state.hpp"

namespace sb::server::agent {

std::size_t LogTapCounts::of_user(const std::string& user_id) const {
    auto it = users_.find(user_id);
    return it == users_.end() ? 0 : it->second;
}

std::size_t LogTapCounts::of_cluster(const std::string& cluster_id) const {
    auto it = clusters_.find(cluster_id);
    return it == clusters_.end() ? 0 : it->second;
}

void LogTapCounts::add(const std::string& user_id, const std::string& cluster_id) {
    ++users_[user_id];
    ++clusters_[cluster_id];
}

void LogTapCounts::remove(const std::string& user_id, const std::string& cluster_id) {
    if (auto it = users_.find(user_id); it != users_.end() && --it->second == 0) users_.erase(it);
    if (auto it = clusters_.find(cluster_id); it != clusters_.end() && --it->second == 0) clusters_.erase(it);
}

std::shared_ptr<LogTap> LogTap::open(ServerState& state, const std::string& cluster_id, const std::string& user_id,
                                     Request request) {
    auto connection = state.agents.find(cluster_id);
    if (!connection || connection->closing())
        throw ApiError(503, "cluster_unavailable", "the app's cluster is not connected: its logs cannot be read now");
    const auto user_limit = state.config.log_streams_per_user;
    if (state.log_taps.of_user(user_id) >= user_limit)
        throw ApiError(429, "too_many_log_streams",
                       "at most " + std::to_string(user_limit) + " log streams may be open per user; close one first");
    const auto cluster_limit = state.config.log_streams_per_cluster;
    if (state.log_taps.of_cluster(cluster_id) >= cluster_limit)
        throw ApiError(429, "too_many_log_streams",
                       "at most " + std::to_string(cluster_limit) + " log streams may be open per cluster; try again later");
    auto tap = std::shared_ptr<LogTap>(new LogTap(state, cluster_id, user_id, "logs-" + crypto::new_id()));
    tap->connection_ = connection;
    state.log_taps.add(user_id, cluster_id);
    std::weak_ptr<LogTap> weak = tap;
    connection->log_sinks[tap->stream_id_] = [weak](sb::agent::LogChunk chunk) {
        if (auto t = weak.lock()) t->receive(std::move(chunk));
    };
    connection->send(sb::agent::OpenLogs{tap->stream_id_, std::move(request.object), std::move(request.pod), request.follow,
                                         request.tail_lines, request.since_seconds});
    return tap;
}

LogTap::~LogTap() {
    state_.log_taps.remove(user_id_, cluster_id_);
    auto connection = connection_.lock();
    if (!connection) return;
    // Still open at the operator: ask it to stop.
    if (connection->log_sinks.erase(stream_id_) && !connection->closing()) connection->send(sb::agent::CloseLogs{stream_id_});
}

void LogTap::receive(sb::agent::LogChunk chunk) {
    if (ended_) return;
    queue_.push(std::move(chunk.pod), std::move(chunk.container), std::move(chunk.data));
    if (chunk.end) {
        ended_ = true;
        error_ = std::move(chunk.error);
        connection_.reset();  // the operator closed it: nothing to close
    }
    wake();
}

}  // namespace sb::server::agent
