// The only translation unit that includes Beast: accepts connections, parses
// HTTP/1.1, upgrades WebSocket event subscriptions, and hands everything else
// to the router.
#include "server/server.hpp"

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

#include "server/api/helpers.hpp"
#include "common/log.hpp"
#include "common/metrics.hpp"
#include "server/core/api_error.hpp"
#include "server/core/bootstrap.hpp"
#include "server/core/state.hpp"
#include "server/db/migrations.hpp"
#include "server/http/request_conversion.hpp"

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

crypto::MasterKey load_master_key(const Config& config) {
    if (!config.master_key.empty()) return crypto::parse_master_key(config.master_key);
    return crypto::load_or_create_master_key(config.master_key_file.empty() ? config.data_dir + "/master.key"
                                                                            : config.master_key_file);
}

std::string too_large_message(const boost::system::error_code& ec, std::size_t limit) {
    if (ec == http::error::body_limit) return "request body is larger than " + std::to_string(limit) + " bytes";
    return "request headers are too large";
}

const char* topic_query(const std::string& kind) {
    if (kind == "project") return "SELECT 1 FROM projects WHERE id = $1 AND team_id = $2";
    if (kind == "app") return "SELECT 1 FROM apps WHERE id = $1 AND team_id = $2";
    if (kind == "build") return "SELECT 1 FROM builds WHERE id = $1 AND team_id = $2";
    return nullptr;
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

}  // namespace

struct Server::Impl {
    explicit Impl(Config c) : config(std::move(c)) {}

    Config config;
    asio::io_context io{1};
    std::optional<asio::ssl::context> tls;
    std::unique_ptr<ServerState> state;
    Router router;
    std::optional<tcp::acceptor> acceptor;
    std::list<Connection> connections;

    std::mutex mutex;
    std::condition_variable cv;
    int port = 0;
    std::exception_ptr failure;
    bool finished = false;

    void set_listening(int p) {
        std::lock_guard lock(mutex);
        port = p;
        cv.notify_all();
    }
    void set_failed(std::exception_ptr e) {
        std::lock_guard lock(mutex);
        failure = e;
        finished = true;
        cv.notify_all();
    }

    asio::awaitable<void> start();
    asio::awaitable<void> accept_loop();
    template <typename Stream>
    asio::awaitable<void> serve(Stream stream, tcp::endpoint remote);
    template <typename Stream>
    asio::awaitable<void> serve_events(Stream stream, http::request<http::string_body> req, Router::Authorized auth);
    asio::awaitable<void> shutdown();
    asio::awaitable<Response> handle_ws_message(std::string team, std::shared_ptr<EventSubscriber> sub, std::string text);
};

asio::awaitable<void> Server::Impl::start() {
    crypto::init();
    auto database = db::open(io.get_executor(), {config.database_url, config.data_dir, config.database_pool_size, 5000});
    co_await db::migrate(*database);
    crypto::MasterKey key = load_master_key(config);
    state = std::make_unique<ServerState>(config, std::move(database), key);
    co_await bootstrap(*state);
    if (config.tls()) {
        tls.emplace(asio::ssl::context::tls_server);
        tls->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                         asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 | asio::ssl::context::no_tlsv1_1);
        tls->use_certificate_chain_file(config.tls_cert_file);
        tls->use_private_key_file(config.tls_key_file, asio::ssl::context::pem);
    }
    router = api::make_router();
    tcp::endpoint endpoint(asio::ip::make_address(config.listen_address), static_cast<unsigned short>(config.port));
    acceptor.emplace(io, endpoint);
    state->ready = true;
    int bound = acceptor->local_endpoint().port();
    sb::log::info("listening", {{"address", boost::json::value(config.listen_address)}, {"port", bound}, {"tls", config.tls()},
                                {"database", boost::json::value(std::string(state->db->engine()))}});
    set_listening(bound);
    co_await accept_loop();
}

asio::awaitable<void> Server::Impl::accept_loop() {
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
asio::awaitable<void> Server::Impl::serve(Stream stream, tcp::endpoint remote) {
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
        if (state->shutting_down) break;
        http::request_parser<http::string_body> parser;
        parser.body_limit(config.body_limit_bytes);
        parser.header_limit(16 * 1024);
        beast::get_lowest_layer(stream).expires_after(60s);
        auto [ec, n] = co_await http::async_read(stream, buffer, parser, asio::as_tuple(asio::use_awaitable));
        entry->busy = true;
        if (ec == http::error::body_limit || ec == http::error::header_limit) {
            auto message = too_large_message(ec, config.body_limit_bytes);
            auto res = to_beast(Response::error(413, "payload_too_large", message), 11, false, false);
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
        auto req = parser.release();
        Request request = to_request(req, remote.address().to_string(), is_tls);
        if (websocket::is_upgrade(req)) {
            std::variant<Router::Authorized, Response> auth;
            try {
                auth = co_await router.authorize(*state, request);
                if (auto* a = std::get_if<Router::Authorized>(&auth); a && !a->route->websocket)
                    auth = Response::error(400, "bad_request", "this endpoint does not speak WebSocket");
            } catch (...) {
                auth = error_response(std::current_exception());
            }
            if (auto* a = std::get_if<Router::Authorized>(&auth)) {
                entry->socket = nullptr;  // the event session manages its own lifetime
                co_await serve_events(std::move(stream), std::move(req), std::move(*a));
                co_return;
            }
            auto res = to_beast(std::move(std::get<Response>(auth)), req.version(), false, false);
            co_await http::async_write(stream, res, asio::as_tuple(asio::use_awaitable));
            break;
        }
        Response response = co_await router.dispatch(*state, request);
        bool keep_alive = req.keep_alive() && !state->shutting_down;
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

asio::awaitable<Response> Server::Impl::handle_ws_message(std::string team, std::shared_ptr<EventSubscriber> sub, std::string text) {
    try {
        auto body = BodyReader::parse(text);
        auto type = body.required_string("type", {.max_length = 20});
        auto topic = body.required_string("topic", {.max_length = 100});
        body.finish();
        if (type != "subscribe") throw invalid_field("type", "type must be subscribe");
        auto colon = topic.find(':');
        std::string kind = topic.substr(0, colon), id;
        if (colon != std::string::npos) id = topic.substr(colon + 1);
        const char* sql = topic_query(kind);
        if (!sql || id.empty()) throw invalid_field("topic", "topic must be project:<id>, app:<id> or build:<id>");
        auto rows = co_await state->db->query(sql, db::params(id, team));
        if (rows.empty()) throw not_found(kind);
        state->events.subscribe(sub, topic);
        co_return Response::json(200, json::object{{"type", "subscribed"}, {"topic", topic}});
    } catch (...) {
        auto err = error_response(std::current_exception());
        auto v = json::parse(err.body).as_object();
        v["type"] = "error";
        co_return Response::json(err.status, v);
    }
}

template <typename Stream>
asio::awaitable<void> Server::Impl::serve_events(Stream stream, http::request<http::string_body> req, Router::Authorized auth) {
    beast::get_lowest_layer(stream).expires_never();
    websocket::stream<Stream> ws(std::move(stream));
    ws.set_option(websocket::stream_base::timeout::suggested(beast::role_type::server));
    ws.read_message_max(64 * 1024);
    auto [aec] = co_await ws.async_accept(req, asio::as_tuple(asio::use_awaitable));
    if (aec) co_return;
    std::string team = auth.params.at("team");
    auto sub = std::make_shared<EventSubscriber>(config.ws_queue_limit);
    asio::steady_timer wake(io, asio::steady_timer::time_point::max());
    bool closed = false;
    sub->on_ready = [&] {
        wake.cancel();
        // A dropped subscriber may be stuck in a write to a client that stopped reading: cut it off.
        if (sub->dropped()) {
            beast::error_code ignored;
            beast::get_lowest_layer(ws).socket().close(ignored);
        }
    };
    struct Unsubscribe {
        EventHub& hub;
        std::shared_ptr<EventSubscriber> sub;
        ~Unsubscribe() {
            sub->on_ready = nullptr;
            hub.unsubscribe_all(sub);
        }
    } unsubscribe{state->events, sub};

    auto reader = [&]() -> asio::awaitable<void> {
        beast::flat_buffer buffer;
        for (;;) {
            auto [ec, n] = co_await ws.async_read(buffer, asio::as_tuple(asio::use_awaitable));
            if (ec) break;
            auto reply = co_await handle_ws_message(team, sub, beast::buffers_to_string(buffer.data()));
            buffer.consume(buffer.size());
            sub->deliver(std::make_shared<const std::string>(std::move(reply.body)));
        }
        closed = true;
        wake.cancel();
    };
    auto writer = [&]() -> asio::awaitable<void> {
        while (!closed && !sub->dropped()) {
            while (!sub->empty() && !sub->dropped()) {
                auto message = sub->pop();
                ws.text(true);
                auto [ec, n] = co_await ws.async_write(asio::buffer(*message), asio::as_tuple(asio::use_awaitable));
                if (ec) co_return;
            }
            if (closed || sub->dropped()) break;
            wake.expires_at(asio::steady_timer::time_point::max());
            co_await wake.async_wait(asio::as_tuple(asio::use_awaitable));
        }
    };
    using namespace asio::experimental::awaitable_operators;
    co_await (reader() || writer());
    if (sub->dropped()) sb::log::info("event subscriber dropped: it did not keep up", {{"team", boost::json::value(team)}});
    beast::error_code ignored;
    beast::get_lowest_layer(ws).socket().close(ignored);
}

asio::awaitable<void> Server::Impl::shutdown() {
    if (!state || state->shutting_down) co_return;
    sb::log::info("shutting down: finishing in-flight requests");
    state->shutting_down = true;
    beast::error_code ignored;
    if (acceptor) acceptor->close(ignored);
    state->events.close_all();
    auto deadline = std::chrono::steady_clock::now() + config.shutdown_grace;
    asio::steady_timer tick(io);
    for (;;) {
        for (auto& c : connections)
            if (!c.busy && c.socket) c.socket->cancel(ignored);
        if (connections.empty() || std::chrono::steady_clock::now() >= deadline) break;
        tick.expires_after(20ms);
        co_await tick.async_wait(asio::use_awaitable);
    }
    sb::log::info("shutdown complete", {{"unfinished_connections", static_cast<std::int64_t>(connections.size())}});
    io.stop();
}

Server::Server(Config config) : impl_(std::make_unique<Impl>(std::move(config))) {
    // One malloc arena: the IO thread does nearly all allocation; the SQLite
    // commit and password-hashing threads would each keep an arena resident.
    ::mallopt(M_ARENA_MAX, 1);
}
Server::~Server() = default;

void Server::run(bool handle_signals) {
    auto& impl = *impl_;
    std::optional<asio::signal_set> signals;
    if (handle_signals) {
        signals.emplace(impl.io, SIGINT, SIGTERM);
        signals->async_wait([&impl](const boost::system::error_code& ec, int) {
            if (!ec) asio::co_spawn(impl.io, impl.shutdown(), asio::detached);
        });
    }
    asio::co_spawn(impl.io, impl.start(), [&impl](std::exception_ptr e) {
        if (e) {
            impl.set_failed(e);
            impl.io.stop();
        }
    });
    try {
        impl.io.run();
    } catch (...) {
        impl.set_failed(std::current_exception());
    }
    {
        std::lock_guard lock(impl.mutex);
        impl.finished = true;
        impl.cv.notify_all();
    }
    // Close sessions and the database on this thread, before the next caller sees them.
    impl.acceptor.reset();
    if (impl.failure) std::rethrow_exception(impl.failure);
}

int Server::wait_until_listening() {
    std::unique_lock lock(impl_->mutex);
    impl_->cv.wait(lock, [&] { return impl_->port != 0 || impl_->finished; });
    if (impl_->failure) std::rethrow_exception(impl_->failure);
    if (impl_->port == 0) throw std::runtime_error("server stopped before listening");
    return impl_->port;
}

void Server::request_stop() {
    asio::post(impl_->io, [impl = impl_.get()] { asio::co_spawn(impl->io, impl->shutdown(), asio::detached); });
}

int migrate_database(const Config& config) {
    asio::io_context io;
    int applied = 0;
    std::exception_ptr failure;
    asio::co_spawn(
        io,
        [&]() -> asio::awaitable<void> {
            auto database = db::open(io.get_executor(), {config.database_url, config.data_dir, 1, 5000});
            applied = co_await db::migrate(*database);
        },
        [&](std::exception_ptr e) { failure = e; });
    io.run();
    if (failure) std::rethrow_exception(failure);
    return applied;
}

}  // namespace sb::server
