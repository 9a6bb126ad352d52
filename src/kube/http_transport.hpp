#pragma once
// HTTPS/1.1 to one API server with a pool of keep-alive connections (Beast
// over OpenSSL). Internal to libkube: Client adds auth, rate limits, retries
// and error mapping. Keeps Beast out of every other translation unit.
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <stop_token>
#include <string>
#include <utility>
#include <vector>

#include "kube/errors.hpp"

namespace sb::kube::detail {

struct TlsSettings {
    std::string ca_pem;            // empty: system trust store
    bool insecure_skip_verify = false;
    std::string server_name;       // SNI + verified name; default: the host
    std::string client_cert_pem, client_key_pem;
};

struct HttpRequest {
    std::string method;
    std::string target;            // path + query, already encoded
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;
};

struct HttpResponse {
    int status = 0;
    std::string content_type;
    std::string body;
    std::optional<std::chrono::seconds> retry_after;
};

// A failure below HTTP. request_may_have_reached_server is false when the
// connection could not be opened at all, so even a POST can be retried.
class ConnectionError : public TransportError {
public:
    ConnectionError(const std::string& what, bool request_may_have_reached_server)
        : TransportError(what), reached_(request_may_have_reached_server) {}
    bool request_may_have_reached_server() const { return reached_; }

private:
    bool reached_;
};

class HttpTransport {
public:
    // server: "https://host[:port][/prefix]".
    HttpTransport(boost::asio::any_io_executor executor, const std::string& server, TlsSettings tls);
    ~HttpTransport();
    HttpTransport(const HttpTransport&) = delete;
    HttpTransport& operator=(const HttpTransport&) = delete;

    const std::string& path_prefix() const;
    const std::string& host_header() const;
    // New TLS identity (e.g. from an exec plugin): pooled connections are dropped.
    void set_client_certificate(const std::string& cert_pem, const std::string& key_pem);

    // One request/response on a pooled connection; the connection goes back
    // to the pool when the server allows keep-alive.
    boost::asio::awaitable<HttpResponse> send(const HttpRequest& request, std::chrono::milliseconds timeout);

    // A request whose 2xx body is streamed to on_body as it arrives (bounded
    // buffer). Non-2xx bodies are collected into the response instead.
    // Returns when the body ends or stop is requested; a read error throws.
    // idle_timeout bounds the silence between two reads (0 = none).
    boost::asio::awaitable<HttpResponse> stream(const HttpRequest& request,
                                                const std::function<void(std::string_view)>& on_body,
                                                std::stop_token stop, std::chrono::milliseconds idle_timeout);

    std::uint64_t connections_opened() const;
    std::size_t idle_connections() const;
    // Closes pooled connections unused for at least max_idle (each holds
    // ~75 KiB of TLS buffers); returns how many.
    std::size_t close_idle_connections(std::chrono::milliseconds max_idle);

private:
    struct Impl;
    std::shared_ptr<Impl> impl_;
};

}  // namespace sb::kube::detail
