#pragma once
// A small synchronous HTTP and WebSocket client for the server tests.
#include <boost/json/value.hpp>

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace sb::server::testing {

struct HttpResult {
    int status = 0;
    std::string body;
    std::map<std::string, std::string> headers;  // lower-case names
    boost::json::value json() const;
    std::string header(const std::string& lower_name) const;
    // error.code / error.field of a JSON error, "" when absent.
    std::string error_code() const;
    std::string error_field() const;
};

class ApiClient {
public:
    explicit ApiClient(int port) : port_(port) {}
    std::string bearer;      // sent as Authorization: Bearer
    std::string cookie;      // sent as Cookie
    std::string csrf;        // sent as X-CSRF-Token
    std::string tls_ca_pem;  // when set: HTTPS, the server certificate verified against it (for 127.0.0.1)
    std::string source_ip;   // when set: connect from this loopback address (e.g. 127.0.0.2)

    HttpResult request(const std::string& method, const std::string& target, const std::string& body = "",
                       const std::map<std::string, std::string>& headers = {}) const;
    HttpResult get(const std::string& target) const { return request("GET", target); }
    HttpResult post(const std::string& target, const boost::json::value& body, const std::map<std::string, std::string>& h = {}) const;
    HttpResult patch(const std::string& target, const boost::json::value& body, const std::map<std::string, std::string>& h = {}) const;
    HttpResult put(const std::string& target, const boost::json::value& body, const std::map<std::string, std::string>& h = {}) const;
    HttpResult del(const std::string& target, const std::map<std::string, std::string>& h = {}) const { return request("DELETE", target, "", h); }
    // Sends raw bytes and returns whatever comes back until the server closes (for malformed requests).
    std::string raw(const std::string& bytes) const;
    int port() const { return port_; }

private:
    int port_;
};

// A GET whose response is streamed: the status and headers at once, then the
// body as it arrives, until the server ends it or the client closes.
class HttpStream {
public:
    HttpStream(int port, const std::string& target, const std::string& bearer,
               const std::map<std::string, std::string>& headers = {});
    ~HttpStream();
    int status() const;
    std::string header(const std::string& lower_name) const;
    // Reads until the body so far contains `text` (true) or the timeout
    // passed or the body ended without it (false).
    bool read_until(const std::string& text, std::chrono::milliseconds timeout = std::chrono::seconds(10));
    // Reads until the server ends the body; false on timeout.
    bool read_to_end(std::chrono::milliseconds timeout = std::chrono::seconds(10));
    // The body's next whole line (without its newline), reading as needed;
    // nullopt on timeout or when the body ended first.
    std::optional<std::string> next_line(std::chrono::milliseconds timeout = std::chrono::seconds(10));
    const std::string& body() const;
    bool ended() const;
    // Closes the connection (the client goes away).
    void close();

private:
    // One read; false when nothing came within the timeout.
    bool read_some(std::chrono::milliseconds timeout);
    std::size_t line_start_ = 0;  // where next_line() goes on in body()
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

class WsClient {
public:
    WsClient(int port, const std::string& target, const std::string& bearer);
    ~WsClient();
    void send(const std::string& text);
    // Next message, or nullopt when the connection closed/failed or the timeout passed.
    std::optional<std::string> read(std::chrono::milliseconds timeout = std::chrono::seconds(10));
    // Sets a tiny receive buffer so the client can stall the server quickly.
    void shrink_receive_buffer();
    // Back to a large buffer: what the kernel still holds then drains at
    // once instead of one tiny TCP window at a time.
    void grow_receive_buffer();

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace sb::server::testing
