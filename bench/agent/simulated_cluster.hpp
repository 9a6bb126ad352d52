#pragma once
// One cluster's operator as the load tool plays it, over a real WebSocket
// through the shared protocol codec (src/agent): hello, welcome, an empty
// snapshot, an ok ack for every request the server sends, and the AppBuild
// status reports the bench asks for. Runs on the caller's io_context.
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/websocket/stream.hpp>

#include <cstdint>
#include <deque>
#include <string>

#include "bench/agent/bench_fleet.hpp"
#include "bench/agent/rest_client.hpp"

namespace sb::bench {

class SimulatedCluster {
public:
    SimulatedCluster(boost::asio::any_io_executor executor, ServerAddress server, FleetMember member);
    // Connects and serves until stop() or until the server ends the connection.
    boost::asio::awaitable<void> run();
    // Queues a status report of the cluster's AppBuild: phase Building, with
    // `marker` as its message (the server passes it on in the event).
    void send_status(const std::string& marker);
    // Ends the connection with a normal close.
    void stop();

    bool live() const { return live_; }  // welcomed and snapshot sent
    bool ended() const { return ended_; }
    std::int64_t requests_acked() const { return acked_; }
    const std::string& failure() const { return failure_; }
    const FleetMember& member() const { return member_; }

private:
    boost::asio::awaitable<void> reader();
    boost::asio::awaitable<void> writer();
    void queue(std::string frame);

    ServerAddress server_;
    FleetMember member_;
    boost::beast::websocket::stream<boost::beast::tcp_stream> ws_;
    boost::beast::flat_buffer buffer_;
    boost::asio::steady_timer wake_;
    std::deque<std::string> outbox_;
    std::int64_t next_version_ = 1;
    std::int64_t acked_ = 0;
    bool live_ = false;
    bool stopping_ = false;
    bool ended_ = false;
    std::string failure_;
};

}  // namespace sb::bench
