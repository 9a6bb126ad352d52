#pragma once
// A subscriber on the server's event WebSocket (GET /api/v1/teams/{team}/events):
// subscribes to topics and hands every build.updated event's marker (the
// reported status message) to the bench, stamped when its frame was read,
// and every cluster.state change.
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/websocket/stream.hpp>

#include <chrono>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "bench/agent/rest_client.hpp"

namespace sb::bench {

class EventListener {
public:
    using Clock = std::chrono::steady_clock;
    EventListener(boost::asio::any_io_executor executor, ServerAddress server, std::string team, std::string api_token);
    // Connects, subscribes to every topic, then reads until stop().
    boost::asio::awaitable<void> run(std::vector<std::string> topics);
    void stop();

    std::function<void(std::string_view marker, Clock::time_point at)> on_build_update;
    // cluster.state events: "connected" or "disconnected".
    std::function<void(std::string_view state)> on_cluster_state;
    std::size_t subscribed() const { return subscribed_; }
    bool ended() const { return ended_; }
    const std::string& failure() const { return failure_; }

private:
    ServerAddress server_;
    std::string team_;
    std::string api_token_;
    boost::beast::websocket::stream<boost::beast::tcp_stream> ws_;
    boost::beast::flat_buffer buffer_;
    std::size_t subscribed_ = 0;
    bool stopping_ = false;
    bool ended_ = false;
    std::string failure_;
};

}  // namespace sb::bench
