#include "tests/server/api_client.hpp"

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

namespace sb::server::testing {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace json = boost::json;
using tcp = asio::ip::tcp;

json::value HttpResult::json() const { return json::parse(body); }

std::string HttpResult::header(const std::string& lower_name) const {
    auto it = headers.find(lower_name);
    return it == headers.end() ? "" : it->second;
}

std::string HttpResult::error_code() const {
    boost::system::error_code ec;
    auto v = json::parse(body, ec);
    if (ec || !v.is_object() || !v.as_object().contains("error")) return "";
    return std::string(v.at("error").at("code").as_string());
}

std::string HttpResult::error_field() const {
    boost::system::error_code ec;
    auto v = json::parse(body, ec);
    if (ec || !v.is_object() || !v.as_object().contains("error")) return "";
    const auto* f = v.at("error").as_object().if_contains("field");
    return f ? std::string(f->as_string()) : "";
}

namespace {

template <typename Stream>
HttpResult send_and_receive(Stream& stream, const http::request<http::string_body>& req) {
    http::write(stream, req);
    beast::flat_buffer buffer;
    http::response_parser<http::string_body> parser;
    parser.body_limit(64 * 1024 * 1024);
    http::read(stream, buffer, parser);
    auto res = parser.release();
    HttpResult out;
    out.status = static_cast<int>(res.result_int());
    out.body = res.body();
    for (const auto& f : res) {
        std::string name(f.name_string());
        for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        out.headers[name] = std::string(f.value());
    }
    return out;
}

}  // namespace

HttpResult ApiClient::request(const std::string& method, const std::string& target, const std::string& body,
                              const std::map<std::string, std::string>& headers) const {
    http::request<http::string_body> req{http::string_to_verb(method), target, 11};
    // With the port, as RFC 9110 asks for a non-default one (registration URLs are built from it).
    req.set(http::field::host, "127.0.0.1:" + std::to_string(port_));
    if (!bearer.empty()) req.set(http::field::authorization, "Bearer " + bearer);
    if (!cookie.empty()) req.set(http::field::cookie, cookie);
    if (!csrf.empty()) req.set("X-CSRF-Token", csrf);
    if (!body.empty()) {
        req.set(http::field::content_type, "application/json");  // unless `headers` say otherwise
        req.body() = body;
    }
    for (const auto& [k, v] : headers) req.set(k, v);
    req.keep_alive(false);
    req.prepare_payload();

    asio::io_context io;
    beast::tcp_stream tcp_stream(io);
    tcp_stream.expires_after(std::chrono::seconds(60));
    if (!source_ip.empty()) {
        tcp_stream.socket().open(tcp::v4());
        tcp_stream.socket().bind(tcp::endpoint(asio::ip::make_address(source_ip), 0));
    }
    tcp_stream.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), static_cast<unsigned short>(port_)));
    beast::error_code ignored;
    if (tls_ca_pem.empty()) {
        auto out = send_and_receive(tcp_stream, req);
        tcp_stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
        return out;
    }
    asio::ssl::context tls(asio::ssl::context::tls_client);
    tls.add_certificate_authority(asio::buffer(tls_ca_pem));
    tls.set_verify_mode(asio::ssl::verify_peer);
    beast::ssl_stream<beast::tcp_stream> stream(std::move(tcp_stream), tls);
    stream.set_verify_callback(asio::ssl::host_name_verification("127.0.0.1"));
    stream.handshake(asio::ssl::stream_base::client);
    auto out = send_and_receive(stream, req);
    stream.shutdown(ignored);
    return out;
}

HttpResult ApiClient::post(const std::string& target, const json::value& body, const std::map<std::string, std::string>& h) const {
    return request("POST", target, json::serialize(body), h);
}
HttpResult ApiClient::patch(const std::string& target, const json::value& body, const std::map<std::string, std::string>& h) const {
    return request("PATCH", target, json::serialize(body), h);
}
HttpResult ApiClient::put(const std::string& target, const json::value& body, const std::map<std::string, std::string>& h) const {
    return request("PUT", target, json::serialize(body), h);
}

std::string ApiClient::raw(const std::string& bytes) const {
    asio::io_context io;
    tcp::socket socket(io);
    socket.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), static_cast<unsigned short>(port_)));
    asio::write(socket, asio::buffer(bytes));
    socket.shutdown(tcp::socket::shutdown_send);
    std::string out;
    boost::system::error_code ec;
    char buf[4096];
    for (;;) {
        auto n = socket.read_some(asio::buffer(buf), ec);
        if (ec) break;
        out.append(buf, n);
    }
    return out;
}

struct HttpStream::Impl {
    asio::io_context io;
    beast::tcp_stream stream{io};
    beast::flat_buffer buffer;
    http::response_parser<http::string_body> parser;
    std::string body;
    bool ended = false;
};

HttpStream::HttpStream(int port, const std::string& target, const std::string& bearer,
                       const std::map<std::string, std::string>& headers)
    : impl_(std::make_unique<Impl>()) {
    impl_->stream.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), static_cast<unsigned short>(port)));
    http::request<http::string_body> req{http::verb::get, target, 11};
    req.set(http::field::host, "127.0.0.1:" + std::to_string(port));
    if (!bearer.empty()) req.set(http::field::authorization, "Bearer " + bearer);
    for (const auto& [k, v] : headers) req.set(k, v);
    http::write(impl_->stream, req);
    impl_->parser.body_limit(boost::none);
    http::read_header(impl_->stream, impl_->buffer, impl_->parser);
    if (impl_->parser.is_done()) impl_->ended = true;
    impl_->body = impl_->parser.get().body();
}

HttpStream::~HttpStream() { close(); }

int HttpStream::status() const { return static_cast<int>(impl_->parser.get().result_int()); }

std::string HttpStream::header(const std::string& lower_name) const {
    auto it = impl_->parser.get().find(lower_name);
    return it == impl_->parser.get().end() ? "" : std::string(it->value());
}

bool HttpStream::read_some(std::chrono::milliseconds timeout) {
    if (impl_->ended) return false;
    bool done = false;
    http::async_read_some(impl_->stream, impl_->buffer, impl_->parser, [&](beast::error_code ec, std::size_t) {
        done = true;
        if (ec || impl_->parser.is_done()) impl_->ended = true;
    });
    impl_->io.restart();
    impl_->io.run_for(timeout);
    if (!done) {
        impl_->stream.cancel();
        impl_->io.restart();
        impl_->io.run();
        return false;
    }
    impl_->body = impl_->parser.get().body();
    return true;
}

bool HttpStream::read_until(const std::string& text, std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (impl_->body.find(text) == std::string::npos) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        if (impl_->ended || left.count() <= 0) return false;
        read_some(left);
    }
    return true;
}

bool HttpStream::read_to_end(std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!impl_->ended) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) return false;
        read_some(left);
    }
    return impl_->parser.is_done();
}

std::optional<std::string> HttpStream::next_line(std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        auto newline = impl_->body.find('\n', line_start_);
        if (newline != std::string::npos) {
            auto line = impl_->body.substr(line_start_, newline - line_start_);
            line_start_ = newline + 1;
            return line;
        }
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        if (impl_->ended || left.count() <= 0) return std::nullopt;
        read_some(left);
    }
}

const std::string& HttpStream::body() const { return impl_->body; }
bool HttpStream::ended() const { return impl_->ended; }

void HttpStream::close() {
    beast::error_code ignored;
    impl_->stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
    impl_->stream.socket().close(ignored);
    impl_->ended = true;
}

struct WsClient::Impl {
    asio::io_context io;
    websocket::stream<beast::tcp_stream> ws{io};
    beast::flat_buffer buffer;
    bool open = true;
};

WsClient::WsClient(int port, const std::string& target, const std::string& bearer) : impl_(std::make_unique<Impl>()) {
    auto& lowest = beast::get_lowest_layer(impl_->ws);
    lowest.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), static_cast<unsigned short>(port)));
    impl_->ws.set_option(websocket::stream_base::decorator([bearer](websocket::request_type& req) {
        req.set(http::field::authorization, "Bearer " + bearer);
    }));
    lowest.expires_after(std::chrono::seconds(10));
    impl_->ws.handshake("127.0.0.1", target);
    lowest.expires_never();
    impl_->ws.read_message_max(64 * 1024 * 1024);
}

WsClient::~WsClient() = default;

void WsClient::send(const std::string& text) {
    impl_->ws.text(true);
    impl_->ws.write(asio::buffer(text));
}

void WsClient::shrink_receive_buffer() {
    beast::get_lowest_layer(impl_->ws).socket().set_option(asio::socket_base::receive_buffer_size(4096));
}

void WsClient::grow_receive_buffer() {
    beast::get_lowest_layer(impl_->ws).socket().set_option(asio::socket_base::receive_buffer_size(4 << 20));
}

std::optional<std::string> WsClient::read(std::chrono::milliseconds timeout) {
    if (!impl_->open) return std::nullopt;
    std::optional<std::string> out;
    impl_->buffer.consume(impl_->buffer.size());
    beast::get_lowest_layer(impl_->ws).expires_after(timeout);
    impl_->ws.async_read(impl_->buffer, [&](beast::error_code ec, std::size_t) {
        if (ec) {
            impl_->open = false;
            return;
        }
        out = beast::buffers_to_string(impl_->buffer.data());
    });
    impl_->io.restart();
    impl_->io.run();
    return out;
}

}  // namespace sb::server::testing
