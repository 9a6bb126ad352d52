#include "cli/event_stream.hpp"

#include <poll.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "cli/cli_error.hpp"

namespace sb::cli {
namespace asio = boost::asio;
namespace ssl = asio::ssl;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
namespace json = boost::json;
using tcp = asio::ip::tcp;

struct EventStream::Socket {
    asio::io_context io;
    std::optional<ssl::context> tls;
    std::optional<websocket::stream<tcp::socket>> plain;
    std::optional<websocket::stream<ssl::stream<tcp::socket>>> secure;
    beast::flat_buffer buffer;

    int fd() { return secure ? secure->next_layer().next_layer().native_handle() : plain->next_layer().native_handle(); }
    // Data may wait in the TLS layer or Beast's buffer while the socket has none.
    bool buffered() { return buffer.size() > 0 || (secure && SSL_pending(secure->next_layer().native_handle()) > 0); }

    template <typename F>
    auto with_stream(F&& f) {
        if (secure) return f(*secure);
        return f(*plain);
    }
};

EventStream::EventStream(const ServerUrl& url, const TransportOptions& options, const std::string& token,
                         const std::string& team_id)
    : socket_(std::make_unique<Socket>()) {
    auto& s = *socket_;
    boost::system::error_code ec;
    std::string host = url.host;
    if (host.starts_with('[')) host = host.substr(1, host.size() - 2);
    tcp::resolver resolver(s.io);
    auto endpoints = resolver.resolve(host, url.port, ec);
    if (ec) throw CliError(ExitCode::unreachable, unreachable_message(url, "resolve", "cannot resolve " + host));
    tcp::socket socket(s.io);
    asio::connect(socket, endpoints, ec);
    if (ec) throw CliError(ExitCode::unreachable, unreachable_message(url, "connect", ec.message()));
    auto decorate = [&](websocket::request_type& req) {
        req.set(beast::http::field::authorization, "Bearer " + token);
        req.set(beast::http::field::user_agent, "sb");
    };
    std::string target = url.prefix + "/api/v1/teams/" + team_id + "/events";
    try {
        if (url.tls) {
            s.tls.emplace(ssl::context::tls_client);
            if (options.insecure) s.tls->set_verify_mode(ssl::verify_none);
            else {
                if (!options.ca_file.empty()) s.tls->load_verify_file(options.ca_file);
                else s.tls->set_default_verify_paths();
                s.tls->set_verify_mode(ssl::verify_peer);
            }
            s.secure.emplace(std::move(socket), *s.tls);
            if (!options.insecure) s.secure->next_layer().set_verify_callback(ssl::host_name_verification(host));
            SSL_set_tlsext_host_name(s.secure->next_layer().native_handle(), host.c_str());
            s.secure->next_layer().handshake(ssl::stream_base::client);
            s.secure->set_option(websocket::stream_base::decorator(decorate));
            s.secure->handshake(url.host_header(), target);
        } else {
            s.plain.emplace(std::move(socket));
            s.plain->set_option(websocket::stream_base::decorator(decorate));
            s.plain->handshake(url.host_header(), target);
        }
    } catch (const boost::system::system_error& e) {
        throw CliError(ExitCode::unreachable, unreachable_message(url, "websocket", "the event stream refused: " + e.code().message()));
    }
}

EventStream::~EventStream() = default;

void EventStream::subscribe(const std::string& topic) {
    auto text = json::serialize(json::object{{"type", "subscribe"}, {"topic", topic}});
    socket_->with_stream([&](auto& ws) {
        ws.text(true);
        ws.write(asio::buffer(text));
    });
    // Events that arrive before the confirmation are skipped: callers read
    // the stored state (a build's log so far) once subscribed.
    for (int i = 0; i < 1000; ++i) {
        socket_->buffer.clear();
        socket_->with_stream([&](auto& ws) { ws.read(socket_->buffer); });
        auto v = json::parse(beast::buffers_to_string(socket_->buffer.data()));
        const auto& o = v.as_object();
        auto type = o.at("type").as_string();
        if (type == "subscribed") return;
        if (type == "error") {
            std::string message = "cannot follow " + topic;
            if (const auto* m = o.if_contains("message"); m && m->is_string()) message += ": " + std::string(m->as_string());
            else if (const auto* err = o.if_contains("error"); err && err->is_object() && err->as_object().contains("message"))
                message += ": " + std::string(err->as_object().at("message").as_string());
            throw CliError(ExitCode::error, message);
        }
    }
    throw CliError(ExitCode::error, "the server did not confirm the subscription to " + topic);
}

std::optional<Event> EventStream::next(std::chrono::milliseconds wait) {
    auto& s = *socket_;
    if (!s.buffered()) {
        pollfd p{s.fd(), POLLIN, 0};
        int ready = ::poll(&p, 1, static_cast<int>(wait.count()));
        if (ready <= 0) return std::nullopt;
    }
    s.buffer.clear();
    try {
        s.with_stream([&](auto& ws) { ws.read(s.buffer); });
    } catch (const boost::system::system_error& e) {
        throw CliError(ExitCode::unreachable, "the event stream ended: " + e.code().message());
    }
    boost::system::error_code ec;
    auto v = json::parse(beast::buffers_to_string(s.buffer.data()), ec);
    if (ec || !v.is_object()) return std::nullopt;
    const auto& o = v.as_object();
    if (!o.contains("type") || o.at("type") != "event") return std::nullopt;
    Event e;
    e.topic = std::string(o.at("topic").as_string());
    e.kind = std::string(o.at("kind").as_string());
    e.data = o.at("data");
    return e;
}

}  // namespace sb::cli
