#pragma once
// HTTP/1.1 over TCP or TLS to the ShapeBlock server, synchronous, one
// kept-alive connection per process. The only translation unit with Beast's
// HTTP templates (the WebSocket is in event_stream.cpp).
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "cli/server_url.hpp"

namespace sb::cli {

struct HttpRequest {
    std::string method = "GET";
    std::string target;  // path and query, the server URL's prefix not included
    std::string body;
    std::string content_type = "application/json";
    std::vector<std::pair<std::string, std::string>> headers;
};

struct HttpResponse {
    int status = 0;
    std::string body;
    std::vector<std::pair<std::string, std::string>> headers;
    // The first header with this name (case-insensitive), "" when absent.
    std::string header(std::string_view name) const;
};

struct TransportOptions {
    std::string ca_file;     // PEM bundle to trust instead of the system's
    bool insecure = false;   // skip certificate verification (--insecure)
    std::chrono::seconds timeout{30};
};

class HttpTransport {
public:
    explicit HttpTransport(ServerUrl url, TransportOptions options = {});
    ~HttpTransport();
    HttpTransport(const HttpTransport&) = delete;
    HttpTransport& operator=(const HttpTransport&) = delete;

    // Throws CliError(unreachable) naming the URL when the server cannot be reached.
    HttpResponse send(const HttpRequest& request);
    // A 2xx response's body goes to on_data as it arrives (no timeout while
    // it streams); any other response is returned whole, its body included.
    HttpResponse stream(const HttpRequest& request, const std::function<void(std::string_view)>& on_data);

    // Sends `length` bytes of `body` (from its current position) as the
    // request's body with "Expect: 100-continue": a refusal the server gives
    // before reading it (too large, not allowed, cluster offline) comes back
    // without the body being sent. `on_sent` sees the bytes sent so far. The
    // answer may take `answer_timeout` after the last byte (the server
    // relays the body on before answering).
    HttpResponse upload(const HttpRequest& request, std::FILE* body, std::uint64_t length,
                        const std::function<void(std::uint64_t)>& on_sent, std::chrono::seconds answer_timeout);

    const ServerUrl& url() const { return url_; }

    struct Connection;  // defined in http_transport.cpp only

private:
    ServerUrl url_;
    TransportOptions options_;
    std::unique_ptr<Connection> connection_;
};

// The one-line explanation of a failure to reach `url` (for tests: no I/O).
std::string unreachable_message(const ServerUrl& url, std::string_view stage, std::string_view reason);

}  // namespace sb::cli
