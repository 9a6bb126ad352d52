#pragma once
// One accepted WebSocket as a route's handler sees it: text messages in and
// out, plain or TLS alike. The transport owns the connection; the handler runs
// until it returns, then the transport closes the socket.
#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sb::server {

class WebSocket {
public:
    virtual ~WebSocket() = default;
    // The next message; nullopt once the peer closed or the connection failed
    // (a message over the read limit fails it with close code 1009).
    virtual boost::asio::awaitable<std::optional<std::string>> read() = 0;
    // One text message; false when the connection failed. At most one write
    // at a time (reads may run alongside).
    virtual boost::asio::awaitable<bool> write(std::string text) = 0;
    // Sends a close frame with a code (RFC 6455 or 4000-4999) and reason.
    virtual boost::asio::awaitable<void> close(std::uint16_t code, std::string reason) = 0;
    // Closes the socket at once; a read or write in progress returns.
    virtual void cut() = 0;
    virtual void set_read_limit(std::size_t bytes) = 0;
    // Pings after idle/2 without traffic and fails the connection after idle.
    virtual void set_idle_timeout(std::chrono::seconds idle) = 0;
    // Why the last read ended ("" while open): for logs and close reasons.
    virtual std::string close_reason() const = 0;
};

}  // namespace sb::server
