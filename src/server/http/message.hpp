#pragma once
// Transport-neutral request and response: the Beast layer converts to and
// from these, so routes and handlers never include Beast.
#include <boost/asio/awaitable.hpp>
#include <boost/json/value.hpp>

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sb::server {

// A request body read as it arrives, for routes that take more than fits in
// memory (Route::streams_body): the handler pulls it piece by piece.
class BodySource {
public:
    virtual ~BodySource() = default;
    // The Content-Length the client announced, when it did (not with chunked encoding).
    virtual std::optional<std::uint64_t> announced_length() const = 0;
    // The next piece, at most `max` bytes; empty once the body has ended.
    // The first read answers a client's "Expect: 100-continue", so a handler
    // that refuses before reading spares the client sending the body.
    // Throws ApiError (400 incomplete_body, 408 request_timeout) when the
    // client stops sending or sends nothing for a minute.
    virtual boost::asio::awaitable<std::string> read(std::size_t max) = 0;
};

struct Request {
    std::string method;  // upper case
    std::string path;    // decoded path without the query
    std::map<std::string, std::string> query;
    std::vector<std::pair<std::string, std::string>> headers;  // names in lower case
    std::string body;     // empty on routes that stream their body
    BodySource* body_source = nullptr;  // set on routes that stream their body
    std::string remote_ip;
    bool tls = false;

    std::optional<std::string_view> header(std::string_view lower_name) const {
        for (const auto& [k, v] : headers)
            if (k == lower_name) return std::string_view(v);
        return std::nullopt;
    }
    std::optional<std::string> cookie(std::string_view name) const;
};

// A streamed response body as its producer sees it: each write goes to the
// client at once as one chunk (chunked transfer encoding).
class BodyWriter {
public:
    virtual ~BodyWriter() = default;
    // False once the client is gone; the producer should then return.
    virtual boost::asio::awaitable<bool> write(std::string chunk) = 0;
};
// Writes a streamed body until it returns (the body then ends). When the
// client goes away the producer is cancelled: the operation it awaits fails
// with operation_aborted and its cancellation state says so; it should
// return, and its destructors release what it held. Never runs for HEAD.
using BodyProducer = std::function<boost::asio::awaitable<void>(BodyWriter&)>;

struct Response {
    int status = 200;
    std::string content_type = "application/json";
    std::string body;
    std::vector<std::pair<std::string, std::string>> headers;
    // Set for a streamed response: `body` is ignored, the producer writes it
    // (the connection closes after it).
    BodyProducer stream;

    static Response json(int status, const boost::json::value& body);
    static Response error(int status, const std::string& code, const std::string& message, const std::string& field = {});
    static Response no_content() { return Response{204, "", "", {}}; }
    static Response streamed(std::string content_type, BodyProducer producer) {
        Response r{200, std::move(content_type), "", {}};
        r.stream = std::move(producer);
        return r;
    }
    Response& with_header(std::string name, std::string value) {
        headers.emplace_back(std::move(name), std::move(value));
        return *this;
    }
};

// Splits "a=b&c=d" with percent-decoding; duplicate keys keep the first value.
std::map<std::string, std::string> parse_query(std::string_view query);
// Percent-decodes; returns nullopt for malformed escapes.
std::optional<std::string> percent_decode(std::string_view text, bool plus_is_space = false);

}  // namespace sb::server
