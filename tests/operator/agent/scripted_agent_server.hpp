#pragma once
// The server's end of the agent link, scripted by a test: accepts the
// operator's WebSocket on 127.0.0.1, records every message it decodes, and
// sends what the test asks. Stands in for shapeblock-server only until the
// server's own agent endpoint exists; the operator, its informers and the
// API server behind it are real.
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "agent/messages.hpp"

namespace sb::optest {

class ScriptedAgentServer {
public:
    explicit ScriptedAgentServer(std::string token);
    ~ScriptedAgentServer();

    std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

    // Sends to the connected operator (waits for a connection up to `timeout`).
    void send(const agent::Message& message, std::chrono::milliseconds timeout = std::chrono::seconds(30));
    // Closes the current connection, as a proxy cutting it would.
    void drop();

    // Waits until a received message satisfies `match`; returns it.
    std::optional<agent::Message> wait_for(const std::function<bool(const agent::Message&)>& match,
                                           std::chrono::milliseconds timeout = std::chrono::seconds(30));
    // The Ack answering `id`.
    std::optional<agent::Ack> ack_of(const std::string& id, std::chrono::milliseconds timeout = std::chrono::seconds(30));

    // The code of the close frame the operator sent, once it closed.
    std::optional<int> wait_for_close(std::chrono::milliseconds timeout = std::chrono::seconds(30));

    int connections() const;
    int refused() const;  // upgrades refused for a wrong token
    void clear_received();

private:
    void accept_loop();

    std::string token_;
    boost::asio::io_context io_;
    boost::asio::ip::tcp::acceptor acceptor_;
    unsigned short port_ = 0;
    std::thread thread_;
    mutable std::mutex mutex_;
    std::condition_variable changed_;
    std::vector<agent::Message> received_;
    std::function<void(std::string)> send_frame_;  // set while connected (runs on io_)
    std::function<void()> close_;
    int connections_ = 0, refused_ = 0;
    std::optional<int> last_close_code_;
};

}  // namespace sb::optest
