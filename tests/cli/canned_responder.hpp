#pragma once
// A loopback TCP server that answers every connection with the same bytes:
// a failing upstream (HTTP 500/502) or a plain-HTTP port for a TLS client.
#include <atomic>
#include <string>
#include <thread>

namespace sb::cli::testing {

class CannedResponder {
public:
    explicit CannedResponder(std::string response);
    ~CannedResponder();
    CannedResponder(const CannedResponder&) = delete;
    CannedResponder& operator=(const CannedResponder&) = delete;
    int port() const { return port_; }
    int connections() const { return connections_; }

private:
    std::string response_;
    int listener_ = -1;
    int port_ = 0;
    std::atomic<bool> stop_{false};
    std::atomic<int> connections_{0};
    std::thread thread_;
};

// "HTTP/1.1 <status> ...": true once GET `path` answers 200.
bool http_ok(int port, const std::string& path);

}  // namespace sb::cli::testing
