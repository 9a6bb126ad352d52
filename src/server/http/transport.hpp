#pragma once
// The HTTP(S) and WebSocket transport: listens, parses HTTP/1.1, answers
// through the router, and runs event-subscription WebSocket sessions. Knows
// nothing of the database or the auth model; the router decides.
#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>

#include <chrono>
#include <cstddef>
#include <memory>

namespace sb::server {

struct Config;
struct ServerState;
class Router;

class HttpTransport {
public:
    // All four outlive the transport.
    HttpTransport(boost::asio::io_context& io, const Config& config, ServerState& state, const Router& router);
    ~HttpTransport();

    // Loads the TLS certificate when configured and binds the listening
    // socket; returns the bound port. Throws when the address is unusable.
    int listen();
    // Accepts connections until shutdown().
    boost::asio::awaitable<void> serve();
    // Stops accepting, closes idle connections and waits for busy ones until
    // `deadline`; returns how many were still open.
    boost::asio::awaitable<std::size_t> shutdown(std::chrono::steady_clock::time_point deadline);
    // Releases the listening socket (on the IO thread, after it stopped).
    void close();

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace sb::server
