// The only translation unit that includes Beast: accepts connections, parses
// HTTP/1.1, upgrades WebSocket routes (handing the route's handler a
// WebSocket), and hands everything else to the router.
#include "server/http/transport.hpp"

#include <array>
#include <boost/asio.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <condition_variable>
#include <list>
#include <malloc.h>
#include <mutex>

#include "common/log.hpp"
#include "common/metrics.hpp"
#include "server/core/api_error.hpp"
#include "server/core/state.hpp"
#include "server/http/request_conversion.hpp"
#include "server/http/router.hpp"
#include "server/http/websocket.hpp"

namespace sb::server {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace json = boost::json;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;

namespace {

auto& connections_gauge() {
    static auto& g = sb::metrics::Registry::global().gauge("sb_http_connections", "Open HTTP connections");
    return g.get();
}

// A connection known to the shutdown logic: idle ones are closed at once,
// busy ones after their current response.
struct Connection {
    tcp::socket* socket = nullptr;
    bool busy = false;
};

std::string too_large_message(const boost::system::error_code& ec, std::size_t limit) {
    if (ec == http::error::body_limit) return "request body is larger than " + std::to_string(limit) + " bytes";
    return "request headers are too large";
}

// Reads and discards what a client is still sending (at most 1 MiB or 2 s)
// before closing: closing with unread data makes the kernel reset the
// connection, which can destroy the error response before the client reads it.
asio::awaitable<void> drain_before_close(beast::tcp_stream& stream) {
    stream.expires_after(std::chrono::seconds(2));
    std::array<char, 8192> scratch;
    std::size_t total = 0;
    while (total < (std::size_t{1} << 20)) {
        auto [ec, n] = co_await stream.async_read_some(asio::buffer(scratch), asio::as_tuple(asio::use_awaitable));
        if (ec) break;
        total += n;
    }
}

http::response<http::string_body> to_beast(Response&& resp, unsigned version, bool keep_alive, bool head) {
    http::response<http::string_body> res{static_cast<http::status>(resp.status), version};
    res.set(http::field::server, "shapeblock");
    if (!resp.content_type.empty()) res.set(http::field::content_type, resp.content_type);
    res.set("X-Content-Type-Options", "nosniff");
    for (auto& [k, v] : resp.headers) res.insert(k, v);
    res.body() = head ? std::string() : std::move(resp.body);
    res.keep_alive(keep_alive);
    res.prepare_payload();
    return res;
}

// The writer of a streamed response: one HTTP chunk per write.
template <typename Stream>
class ChunkWriter final : public BodyWriter {
public:
    explicit ChunkWriter(Stream& stream) : stream_(stream) {}
    asio::awaitable<bool> write(std::string chunk) override {
        if (failed_) co_return false;
        if (chunk.empty()) co_return true;  // an empty chunk would end the body
        auto [ec, n] = co_await asio::async_write(stream_, http::make_chunk(asio::buffer(chunk)), asio::as_tuple(asio::use_awaitable));
        if (ec) failed_ = true;
        co_return !failed_;
    }
    bool failed() const { return failed_; }

private:
    Stream& stream_;
    bool failed_ = false;
};

// Sends a streamed response: the header, each chunk as its producer writes
// it, then the last chunk. Meanwhile it reads the connection, which only
// ends when the client goes away: that cancels the producer.
template <typename Stream>
asio::awaitable<void> write_streamed(Stream& stream, Response response, unsigned version) {
    http::response<http::empty_body> res{static_cast<http::status>(response.status), version};
    res.set(http::field::server, "shapeblock");
    if (!response.content_type.empty()) res.set(http::field::content_type, response.content_type);
    res.set("X-Content-Type-Options", "nosniff");
    res.set(http::field::cache_control, "no-cache");
    res.set("X-Accel-Buffering", "no");  // proxies pass chunks on as they come
    for (auto& [k, v] : response.headers) res.insert(k, v);
    res.keep_alive(false);
    res.chunked(true);
    beast::get_lowest_layer(stream).expires_never();
    http::response_serializer<http::empty_body> serializer(res);
    auto [hec, hn] = co_await http::async_write_header(stream, serializer, asio::as_tuple(asio::use_awaitable));
    if (hec) co_return;
    ChunkWriter<Stream> writer(stream);
    auto produce = [&]() -> asio::awaitable<void> {
        try {
            co_await response.stream(writer);
        } catch (const boost::system::system_error& e) {
            if (e.code() != asio::error::operation_aborted) throw;
        }
    };
    auto watch_client = [&]() -> asio::awaitable<void> {
        std::array<char, 512> scratch;
        for (;;) {
            auto [ec, n] = co_await stream.async_read_some(asio::buffer(scratch), asio::as_tuple(asio::use_awaitable));
            if (ec) co_return;
        }
    };
    using namespace asio::experimental::awaitable_operators;
    auto ended = co_await (produce() || watch_client());
    if (ended.index() == 0 && !writer.failed())
        co_await asio::async_write(stream, http::make_chunk_last(), asio::as_tuple(asio::use_awaitable));
}

// A request body read piece by piece as the handler asks (Route::streams_body).
template <typename Stream>
class StreamedBody final : public BodySource {
public:
    StreamedBody(Stream& stream, beast::flat_buffer& buffer, http::request_parser<http::buffer_body>& parser)
        : stream_(stream), buffer_(buffer), parser_(parser) {}

    std::optional<std::uint64_t> announced_length() const override {
        if (auto length = parser_.content_length()) return *length;
        return std::nullopt;
    }

    asio::awaitable<std::string> read(std::size_t max) override {
        if (!continued_) {
            continued_ = true;
            if (beast::iequals(parser_.get()[http::field::expect], "100-continue")) {
                http::response<http::empty_body> go_on{http::status::continue_, parser_.get().version()};
                auto [ec, n] = co_await http::async_write(stream_, go_on, asio::as_tuple(asio::use_awaitable));
                if (ec) throw ApiError(400, "incomplete_body", "the client went away before sending its body");
            }
        }
        std::string piece(max, '\0');
        std::size_t filled = 0;
        while (filled < max && !parser_.is_done()) {
            parser_.get().body().data = piece.data() + filled;
            parser_.get().body().size = max - filled;
            beast::get_lowest_layer(stream_).expires_after(60s);
            auto [ec, n] = co_await http::async_read(stream_, buffer_, parser_, asio::as_tuple(asio::use_awaitable));
            filled = max - parser_.get().body().size;
            if (ec == http::error::need_buffer) continue;
            if (ec == beast::error::timeout) throw ApiError(408, "request_timeout", "the request body stalled: nothing arrived for 60 s");
            if (ec) throw ApiError(400, "incomplete_body", "the request body ended early: " + ec.message());
        }
        piece.resize(filled);
        co_return piece;
    }

private:
    Stream& stream_;
    beast::flat_buffer& buffer_;
    http::request_parser<http::buffer_body>& parser_;
    bool continued_ = false;
};

// A Beast WebSocket stream behind the handlers' WebSocket interface.
template <typename Stream>
class BeastWebSocket final : public WebSocket {
public:
    explicit BeastWebSocket(Stream stream) : ws_(std::move(stream)) {
        ws_.set_option(websocket::stream_base::timeout::suggested(beast::role_type::server));
        ws_.read_message_max(64 * 1024);
    }
    websocket::stream<Stream>& stream() { return ws_; }

    asio::awaitable<std::optional<std::string>> read() override {
        beast::flat_buffer buffer;
        auto [ec, n] = co_await ws_.async_read(buffer, asio::as_tuple(asio::use_awaitable));
        if (ec) {
            reason_ = ec == websocket::error::closed ? "closed by the peer (" + std::to_string(ws_.reason().code) + " " +
                                                            std::string(ws_.reason().reason.c_str()) + ")"
                                                      : ec.message();
            co_return std::nullopt;
        }
        co_return beast::buffers_to_string(buffer.data());
    }
    asio::awaitable<bool> write(std::string text) override {
        ws_.text(true);
        auto [ec, n] = co_await ws_.async_write(asio::buffer(text), asio::as_tuple(asio::use_awaitable));
        co_return !ec;
    }
    asio::awaitable<void> close(std::uint16_t code, std::string reason) override {
        if (reason.size() > 120) reason.resize(120);  // a close frame's reason fits 123 bytes
        websocket::close_reason why(static_cast<websocket::close_code>(code), reason);
        co_await ws_.async_close(why, asio::as_tuple(asio::use_awaitable));
    }
    void cut() override {
        beast::error_code ignored;
        beast::get_lowest_layer(ws_).socket().close(ignored);
    }
    void set_read_limit(std::size_t bytes) override { ws_.read_message_max(bytes); }
    void set_idle_timeout(std::chrono::seconds idle) override {
        auto timeout = websocket::stream_base::timeout::suggested(beast::role_type::server);
        timeout.idle_timeout = idle;
        timeout.keep_alive_pings = true;
        ws_.set_option(timeout);
    }
    std::string close_reason() const override { return reason_; }

private:
    websocket::stream<Stream> ws_;
    std::string reason_;
};

}  // namespace

struct HttpTransport::Impl {
    Impl(asio::io_context& io, const Config& config, ServerState& state, const Router& router)
        : io(io), config(config), state(state), router(router) {}

    asio::io_context& io;
    const Config& config;
    ServerState& state;
    const Router& router;
    std::optional<asio::ssl::context> tls;
    std::optional<tcp::acceptor> acceptor;
    std::list<Connection> connections;

    asio::awaitable<void> accept_loop();
    template <typename Stream>
    asio::awaitable<void> serve(Stream stream, tcp::endpoint remote);
    template <typename Stream>
    asio::awaitable<void> serve_websocket(Stream stream, http::request<http::string_body> req, Router::Authorized auth);
};

asio::awaitable<void> HttpTransport::Impl::accept_loop() {
    for (;;) {
        auto [ec, socket] = co_await acceptor->async_accept(asio::as_tuple(asio::use_awaitable));
        if (ec == asio::error::operation_aborted || !acceptor->is_open()) co_return;
        if (ec) {
            sb::log::warn("accept failed", {{"error", boost::json::value(ec.message())}});
            continue;
        }
        socket.set_option(tcp::no_delay(true));
        auto remote = socket.remote_endpoint(ec);
        if (tls) {
            asio::co_spawn(io, serve(beast::ssl_stream<beast::tcp_stream>(std::move(socket), *tls), remote), asio::detached);
        } else {
            asio::co_spawn(io, serve(beast::tcp_stream(std::move(socket)), remote), asio::detached);
        }
    }
}

template <typename Stream>
asio::awaitable<void> HttpTransport::Impl::serve(Stream stream, tcp::endpoint remote) {
    connections_gauge().inc();
    auto entry = connections.insert(connections.end(), Connection{&beast::get_lowest_layer(stream).socket(), false});
    struct Cleanup {
        Impl* self;
        std::list<Connection>::iterator it;
        ~Cleanup() {
            self->connections.erase(it);
            connections_gauge().dec();
        }
    } cleanup{this, entry};
    constexpr bool is_tls = !std::is_same_v<Stream, beast::tcp_stream>;
    if constexpr (is_tls) {
        beast::get_lowest_layer(stream).expires_after(10s);
        auto [ec] = co_await stream.async_handshake(asio::ssl::stream_base::server, asio::as_tuple(asio::use_awaitable));
        if (ec) co_return;
    }
    beast::flat_buffer buffer;
    bool linger = false;  // an error answered before the request was fully read
    for (;;) {
        entry->busy = false;
        if (state.shutting_down) break;
        // The header first: the route decides how its body is read.
        http::request_parser<http::empty_body> head;
        head.header_limit(16 * 1024);
        head.body_limit(boost::none);  // each route's own limit applies below
        beast::get_lowest_layer(stream).expires_after(60s);
        auto [ec, n] = co_await http::async_read_header(stream, buffer, head, asio::as_tuple(asio::use_awaitable));
        entry->busy = true;
        if (ec == http::error::header_limit) {
            auto res = to_beast(Response::error(413, "payload_too_large", too_large_message(ec, 0)), 11, false, false);
            co_await http::async_write(stream, res, asio::as_tuple(asio::use_awaitable));
            linger = true;
            break;
        }
        if (ec == http::error::end_of_stream || ec == asio::error::operation_aborted || ec == beast::error::timeout) break;
        if (ec) {
            if (ec.category() == http::make_error_code(http::error::bad_target).category()) {
                auto res = to_beast(Response::error(400, "bad_request", "malformed HTTP request: " + ec.message()), 11, false, false);
                co_await http::async_write(stream, res, asio::as_tuple(asio::use_awaitable));
                linger = true;
            }
            break;
        }
        if (!websocket::is_upgrade(head.get())) {
            Request streamed = to_request(head.get(), remote.address().to_string(), is_tls);
            if (router.streams_body(streamed)) {
                http::request_parser<http::buffer_body> parser(std::move(head));
                StreamedBody<Stream> source(stream, buffer, parser);
                streamed.body_source = &source;
                Response response = co_await router.dispatch(state, streamed);
                // A body the handler did not read to its end leaves the connection unusable.
                const bool finished = parser.is_done();
                const bool keep_alive = finished && parser.get().keep_alive() && !state.shutting_down;
                auto res = to_beast(std::move(response), parser.get().version(), keep_alive, false);
                auto [wec, wn] = co_await http::async_write(stream, res, asio::as_tuple(asio::use_awaitable));
                linger = !finished;
                if (wec || !keep_alive) break;
                continue;
            }
        }
        http::request_parser<http::string_body> parser(std::move(head));
        parser.body_limit(config.body_limit_bytes);
        if (auto length = parser.content_length(); length && *length > config.body_limit_bytes) ec = http::error::body_limit;
        else std::tie(ec, n) = co_await http::async_read(stream, buffer, parser, asio::as_tuple(asio::use_awaitable));
        if (ec == http::error::body_limit) {
            auto message = too_large_message(ec, config.body_limit_bytes);
            auto res = to_beast(Response::error(413, "payload_too_large", message), 11, false, false);
            co_await http::async_write(stream, res, asio::as_tuple(asio::use_awaitable));
            linger = true;
            break;
        }
        if (ec == http::error::end_of_stream || ec == asio::error::operation_aborted || ec == beast::error::timeout) break;
        if (ec) break;
        auto req = parser.release();
        Request request = to_request(req, remote.address().to_string(), is_tls);
        if (websocket::is_upgrade(req)) {
            std::variant<Router::Authorized, Response> auth;
            try {
                auth = co_await router.authorize(state, request);
                if (auto* a = std::get_if<Router::Authorized>(&auth); a && !a->route->websocket)
                    auth = Response::error(400, "bad_request", "this endpoint does not speak WebSocket");
            } catch (...) {
                auth = error_response(std::current_exception());
            }
            if (auto* a = std::get_if<Router::Authorized>(&auth)) {
                entry->socket = nullptr;  // the WebSocket session manages its own lifetime
                co_await serve_websocket(std::move(stream), std::move(req), std::move(*a));
                co_return;
            }
            auto res = to_beast(std::move(std::get<Response>(auth)), req.version(), false, false);
            co_await http::async_write(stream, res, asio::as_tuple(asio::use_awaitable));
            break;
        }
        Response response = co_await router.dispatch(state, request);
        if (response.stream && req.method() != http::verb::head) {
            entry->busy = false;  // a stream may be cut at shutdown like an idle connection
            try {
                co_await write_streamed(stream, std::move(response), req.version());
            } catch (const std::exception& e) {
                sb::log::warn("streamed response failed", {{"path", json::value(request.path)}, {"error", json::value(e.what())}});
            }
            break;
        }
        bool keep_alive = req.keep_alive() && !state.shutting_down;
        auto res = to_beast(std::move(response), req.version(), keep_alive, req.method() == http::verb::head);
        auto [wec, wn] = co_await http::async_write(stream, res, asio::as_tuple(asio::use_awaitable));
        if (wec || !keep_alive) break;
    }
    beast::error_code ignored;
    if constexpr (is_tls) {
        beast::get_lowest_layer(stream).expires_after(2s);
        co_await stream.async_shutdown(asio::redirect_error(asio::use_awaitable, ignored));
    } else {
        stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
        if (linger) co_await drain_before_close(stream);
    }
}

template <typename Stream>
asio::awaitable<void> HttpTransport::Impl::serve_websocket(Stream stream, http::request<http::string_body> req,
                                                           Router::Authorized auth) {
    beast::get_lowest_layer(stream).expires_never();
    BeastWebSocket<Stream> ws(std::move(stream));
    auto [aec] = co_await ws.stream().async_accept(req, asio::as_tuple(asio::use_awaitable));
    if (aec) co_return;
    try {
        co_await auth.route->websocket(state, ws, std::move(auth.session));
    } catch (const std::exception& e) {
        sb::log::warn("WebSocket session failed", {{"route", json::value(auth.route->pattern)}, {"error", json::value(e.what())}});
    }
    ws.cut();
}

HttpTransport::HttpTransport(asio::io_context& io, const Config& config, ServerState& state, const Router& router)
    : impl_(std::make_unique<Impl>(io, config, state, router)) {}
HttpTransport::~HttpTransport() = default;

int HttpTransport::listen() {
    auto& impl = *impl_;
    const auto& config = impl.config;
    if (config.tls()) {
        impl.tls.emplace(asio::ssl::context::tls_server);
        impl.tls->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                              asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 | asio::ssl::context::no_tlsv1_1);
        impl.tls->use_certificate_chain_file(config.tls_cert_file);
        impl.tls->use_private_key_file(config.tls_key_file, asio::ssl::context::pem);
    }
    tcp::endpoint endpoint(asio::ip::make_address(config.listen_address), static_cast<unsigned short>(config.port));
    impl.acceptor.emplace(impl.io, endpoint);
    return impl.acceptor->local_endpoint().port();
}

asio::awaitable<void> HttpTransport::serve() { co_await impl_->accept_loop(); }

asio::awaitable<std::size_t> HttpTransport::shutdown(std::chrono::steady_clock::time_point deadline) {
    auto& impl = *impl_;
    beast::error_code ignored;
    if (impl.acceptor) impl.acceptor->close(ignored);
    asio::steady_timer tick(impl.io);
    for (;;) {
        for (auto& c : impl.connections)
            if (!c.busy && c.socket) c.socket->cancel(ignored);
        if (impl.connections.empty() || std::chrono::steady_clock::now() >= deadline) break;
        tick.expires_after(20ms);
        co_await tick.async_wait(asio::use_awaitable);
    }
    co_return impl.connections.size();
}

void HttpTransport::close() { impl_->acceptor.reset(); }

}  // namespace sb::server
