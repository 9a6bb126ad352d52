#pragma once
// A small plain-HTTP server for /metrics (Prometheus text from
// sb::metrics::Registry::global()), /healthz and /readyz. GET only (405
// otherwise, 404 for other paths). Keep-alive, one coroutine per connection.
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <functional>
#include <memory>
#include <stop_token>
#include <string>

namespace sb::kube {

struct HealthServerOptions {
    std::string address = "0.0.0.0";
    unsigned short port = 8080;                 // 0 = any free port (see port())
    std::function<bool()> healthy = [] { return true; };
    std::function<bool()> ready = [] { return true; };
};

class HealthServer {
public:
    // Binds at once (throws std::system_error when the address is taken).
    HealthServer(boost::asio::any_io_executor executor, HealthServerOptions options);
    ~HealthServer();
    unsigned short port() const;
    // Accepts connections until stop is requested.
    boost::asio::awaitable<void> run(std::stop_token stop);

    struct Impl;

private:
    std::shared_ptr<Impl> impl_;
};

}  // namespace sb::kube
