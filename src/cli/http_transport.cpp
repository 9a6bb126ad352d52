#include "cli/http_transport.hpp"

#include <sys/socket.h>
#include <sys/time.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/write.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

#include <algorithm>
#include <optional>
#include <vector>
#include <strings.h>

#include "cli/cli_error.hpp"

namespace sb::cli {
namespace asio = boost::asio;
namespace ssl = asio::ssl;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

std::string HttpResponse::header(std::string_view name) const {
    for (const auto& [k, v] : headers)
        if (k.size() == name.size() && strncasecmp(k.data(), name.data(), k.size()) == 0) return v;
    return "";
}

std::string unreachable_message(const ServerUrl& url, std::string_view stage, std::string_view reason) {
    std::string out = "cannot reach the server at " + url.text() + ": ";
    if (stage == "tls") out = "TLS with " + url.text() + " failed: ";
    out += reason;
    if (stage == "connect" && reason.find("refused") != std::string_view::npos) out += " (is the server running?)";
    if (stage == "tls") out += " (is it an https server with a certificate this machine trusts? see --ca-file)";
    return out;
}

namespace {

bool is_tls_error(const boost::system::error_code& ec) {
    return ec.category() == asio::error::get_ssl_category() || ec.category() == ssl::error::get_stream_category();
}

std::string tls_reason(const boost::system::error_code& ec) {
    std::string reason = ec.message();
    if (ec.category() == asio::error::get_ssl_category()) {
        auto lib_reason = ERR_reason_error_string(static_cast<unsigned long>(ec.value()));
        if (lib_reason) reason = lib_reason;
    }
    return reason;
}

void set_timeouts(tcp::socket& socket, std::chrono::seconds timeout) {
    timeval tv{};
    tv.tv_sec = static_cast<time_t>(timeout.count());
    ::setsockopt(socket.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    ::setsockopt(socket.native_handle(), SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
}

}  // namespace

struct HttpTransport::Connection {
    asio::io_context io;
    std::optional<ssl::context> tls;
    std::optional<tcp::socket> plain;
    std::optional<ssl::stream<tcp::socket>> secure;
    beast::flat_buffer buffer;
    bool used = false;

    tcp::socket& socket() { return secure ? secure->next_layer() : *plain; }

    template <typename F>
    auto with_stream(F&& f) {
        if (secure) return f(*secure);
        return f(*plain);
    }
};

HttpTransport::HttpTransport(ServerUrl url, TransportOptions options) : url_(std::move(url)), options_(std::move(options)) {}
HttpTransport::~HttpTransport() = default;

HttpResponse HttpTransport::send(const HttpRequest& request) {
    HttpResponse collected;
    auto response = stream(request, [&](std::string_view data) { collected.body.append(data); });
    if (response.status >= 200 && response.status < 300) response.body = std::move(collected.body);
    return response;
}

namespace {

template <typename Stream>
HttpResponse exchange(Stream& stream, beast::flat_buffer& buffer, const http::request<http::string_body>& req,
                      const std::function<void(std::string_view)>& on_data, tcp::socket& socket,
                      std::chrono::seconds timeout, bool& keep_alive) {
    http::write(stream, req);
    http::response_parser<http::buffer_body> parser;
    parser.body_limit(boost::none);
    http::read_header(stream, buffer, parser);
    HttpResponse out;
    out.status = static_cast<int>(parser.get().result_int());
    for (const auto& field : parser.get()) out.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
    bool success = out.status >= 200 && out.status < 300;
    bool streaming = success && parser.get()[http::field::content_type].starts_with("text/plain");
    if (streaming) set_timeouts(socket, std::chrono::seconds(0));
    char chunk[16384];
    while (!parser.is_done()) {
        parser.get().body().data = chunk;
        parser.get().body().size = sizeof chunk;
        boost::system::error_code ec;
        http::read(stream, buffer, parser, ec);
        if (ec && ec != http::error::need_buffer) throw boost::system::system_error(ec);
        std::string_view got(chunk, sizeof chunk - parser.get().body().size);
        if (got.empty()) continue;
        if (success) on_data(got);
        else out.body.append(got);
    }
    if (streaming) set_timeouts(socket, timeout);
    keep_alive = parser.keep_alive();
    return out;
}

}  // namespace

namespace {

void connect(HttpTransport::Connection& c, const ServerUrl& url, const TransportOptions& options) {
    boost::system::error_code ec;
    tcp::resolver resolver(c.io);
    std::string host = url.host;
    if (host.starts_with('[')) host = host.substr(1, host.size() - 2);
    auto endpoints = resolver.resolve(host, url.port, ec);
    if (ec) throw CliError(ExitCode::unreachable, unreachable_message(url, "resolve", "cannot resolve " + host + " (" + ec.message() + ")"));
    tcp::socket socket(c.io);
    asio::connect(socket, endpoints, ec);
    if (ec) {
        std::string reason = ec == asio::error::connection_refused ? "connection refused" : ec.message();
        throw CliError(ExitCode::unreachable, unreachable_message(url, "connect", reason));
    }
    socket.set_option(tcp::no_delay(true));
    set_timeouts(socket, options.timeout);
    if (!url.tls) {
        c.plain.emplace(std::move(socket));
        return;
    }
    if (!c.tls) {
        c.tls.emplace(ssl::context::tls_client);
        if (options.insecure) {
            c.tls->set_verify_mode(ssl::verify_none);
        } else {
            if (!options.ca_file.empty()) c.tls->load_verify_file(options.ca_file, ec);
            else c.tls->set_default_verify_paths(ec);
            if (ec) throw CliError(ExitCode::usage, "cannot load the CA bundle " + options.ca_file + ": " + ec.message());
            c.tls->set_verify_mode(ssl::verify_peer);
        }
    }
    c.secure.emplace(std::move(socket), *c.tls);
    if (!options.insecure) c.secure->set_verify_callback(ssl::host_name_verification(host));
    SSL_set_tlsext_host_name(c.secure->native_handle(), host.c_str());
    c.secure->handshake(ssl::stream_base::client, ec);
    if (ec) {
        c.secure.reset();
        throw CliError(ExitCode::unreachable, unreachable_message(url, "tls", tls_reason(ec)));
    }
}

}  // namespace

HttpResponse HttpTransport::stream(const HttpRequest& request, const std::function<void(std::string_view)>& on_data) {
    http::request<http::string_body> req{http::string_to_verb(request.method), url_.prefix + request.target, 11};
    req.set(http::field::host, url_.host_header());
    req.set(http::field::user_agent, "sb");
    req.set(http::field::accept, "application/json, text/plain");
    for (const auto& [k, v] : request.headers) req.set(k, v);
    if (!request.body.empty()) {
        req.set(http::field::content_type, request.content_type);
        req.body() = request.body;
    }
    req.keep_alive(true);
    req.prepare_payload();
    for (int attempt = 0;; ++attempt) {
        bool reused = false;
        if (!connection_) {
            connection_ = std::make_unique<Connection>();
            connect(*connection_, url_, options_);
        } else {
            reused = true;
        }
        bool delivered_any = false;
        auto tracking = [&](std::string_view data) {
            delivered_any = true;
            on_data(data);
        };
        try {
            auto& c = *connection_;
            bool keep_alive = true;
            auto response = c.with_stream(
                [&](auto& s) { return exchange(s, c.buffer, req, tracking, c.socket(), options_.timeout, keep_alive); });
            if (!keep_alive) connection_.reset();
            return response;
        } catch (const boost::system::system_error& e) {
            connection_.reset();
            // A kept-alive connection the server closed meanwhile: once more on a new one.
            if (reused && attempt == 0 && !delivered_any) continue;
            auto ec = e.code();
            if (is_tls_error(ec)) throw CliError(ExitCode::unreachable, unreachable_message(url_, "tls", tls_reason(ec)));
            std::string reason = ec == asio::error::would_block || ec == asio::error::try_again
                                     ? "no answer within " + std::to_string(options_.timeout.count()) + " s"
                                     : ec.message();
            if (ec == http::error::end_of_stream || ec == asio::error::eof || ec == asio::error::connection_reset)
                reason = "the connection closed before the answer ended";
            throw CliError(ExitCode::unreachable, unreachable_message(url_, "read", reason));
        }
    }
}

namespace {

template <typename Stream>
HttpResponse read_whole_response(Stream& stream, beast::flat_buffer& buffer, http::response_parser<http::string_body>& parser) {
    http::read(stream, buffer, parser);
    HttpResponse out;
    out.status = static_cast<int>(parser.get().result_int());
    for (const auto& field : parser.get()) out.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
    out.body = std::move(parser.get().body());
    return out;
}

template <typename Stream>
HttpResponse upload_exchange(Stream& stream, beast::flat_buffer& buffer, http::request<http::empty_body>& req, std::FILE* body,
                             std::uint64_t length, const std::function<void(std::uint64_t)>& on_sent, tcp::socket& socket,
                             std::chrono::seconds answer_timeout) {
    http::request_serializer<http::empty_body> serializer(req);
    http::write_header(stream, serializer);
    {
        // A refusal, or the go-ahead: "100 Continue" is an interim answer with no body.
        http::response_parser<http::string_body> first;
        first.body_limit(1 << 20);
        http::read_header(stream, buffer, first);
        if (first.get().result() != http::status::continue_) return read_whole_response(stream, buffer, first);
    }
    std::vector<char> piece(256 * 1024);
    std::uint64_t sent = 0;
    while (sent < length) {
        const auto n = std::fread(piece.data(), 1, std::min<std::uint64_t>(piece.size(), length - sent), body);
        if (n == 0) throw CliError(ExitCode::error, "the archive to upload could not be read back");
        asio::write(stream, asio::buffer(piece.data(), n));
        sent += n;
        if (on_sent) on_sent(sent);
    }
    set_timeouts(socket, answer_timeout);
    http::response_parser<http::string_body> final_answer;
    final_answer.body_limit(1 << 20);
    return read_whole_response(stream, buffer, final_answer);
}

}  // namespace

HttpResponse HttpTransport::upload(const HttpRequest& request, std::FILE* body, std::uint64_t length,
                                   const std::function<void(std::uint64_t)>& on_sent, std::chrono::seconds answer_timeout) {
    http::request<http::empty_body> req{http::string_to_verb(request.method), url_.prefix + request.target, 11};
    req.set(http::field::host, url_.host_header());
    req.set(http::field::user_agent, "sb");
    req.set(http::field::accept, "application/json");
    req.set(http::field::content_type, request.content_type);
    req.set(http::field::expect, "100-continue");
    for (const auto& [k, v] : request.headers) req.set(k, v);
    req.content_length(length);
    req.keep_alive(false);
    // A fresh connection: a kept-alive one may be closed by the server any moment, and a body cannot be sent twice.
    connection_ = std::make_unique<Connection>();
    connect(*connection_, url_, options_);
    try {
        auto& c = *connection_;
        auto response = c.with_stream(
            [&](auto& s) { return upload_exchange(s, c.buffer, req, body, length, on_sent, c.socket(), answer_timeout); });
        connection_.reset();
        return response;
    } catch (const boost::system::system_error& e) {
        connection_.reset();
        auto ec = e.code();
        if (is_tls_error(ec)) throw CliError(ExitCode::unreachable, unreachable_message(url_, "tls", tls_reason(ec)));
        std::string reason = ec == asio::error::would_block || ec == asio::error::try_again ? "no answer in time" : ec.message();
        if (ec == http::error::end_of_stream || ec == asio::error::eof || ec == asio::error::connection_reset ||
            ec == asio::error::broken_pipe)
            reason = "the connection closed before the answer came";
        throw CliError(ExitCode::unreachable, unreachable_message(url_, "read", reason));
    }
}

}  // namespace sb::cli
