#pragma once
// A TCP proxy on loopback for fault tests: it forwards every connection to a
// target port and, on demand, cuts all of them at once (with a reset, as a
// proxy or a NAT that forgets its connections would), or refuses new ones
// for a while. One thread, poll(2).
#include <atomic>
#include <cstddef>
#include <mutex>
#include <thread>

namespace sb::testenv {

class TcpProxy {
public:
    // Listens on a free port of 127.0.0.1 and forwards to 127.0.0.1:target_port.
    explicit TcpProxy(int target_port);
    ~TcpProxy();
    TcpProxy(const TcpProxy&) = delete;
    TcpProxy& operator=(const TcpProxy&) = delete;

    int port() const { return port_; }
    // Resets every open connection (both sides); new connections are accepted.
    void drop_all();
    // While refusing, new connections are accepted and reset at once.
    void set_refusing(bool refusing);
    // Connections open through the proxy now.
    std::size_t open_connections() const { return open_; }
    // Connections cut by drop_all() so far.
    std::size_t dropped() const { return dropped_; }

private:
    void run();

    int target_port_;
    int port_ = 0;
    int listen_fd_ = -1;
    int wake_[2] = {-1, -1};
    std::atomic<bool> stop_{false}, drop_{false}, refusing_{false};
    std::atomic<std::size_t> dropped_{0}, open_{0};
    std::thread thread_;
};

}  // namespace sb::testenv
