#include "operator/registry/registry_http.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/url/parse.hpp>

#include <array>
#include <optional>
#include <strings.h>

namespace sb::op::registry {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;

std::string HttpResponse::header(std::string_view name) const {
    for (const auto& [k, v] : headers)
        if (k.size() == name.size() && strncasecmp(k.data(), name.data(), k.size()) == 0) return v;
    return "";
}

UrlParts split_url(std::string_view url) {
    auto parsed = boost::urls::parse_absolute_uri(url);
    if (!parsed) throw std::invalid_argument("'" + std::string(url.substr(0, 200)) + "' is not an absolute URL");
    UrlParts parts;
    if (parsed->scheme() == "https") parts.tls = true;
    else if (parsed->scheme() == "http") parts.tls = false;
    else throw std::invalid_argument("'" + std::string(url.substr(0, 200)) + "' is neither http:// nor https://");
    parts.host = std::string(parsed->encoded_host());
    if (parts.host.empty()) throw std::invalid_argument("'" + std::string(url.substr(0, 200)) + "' has no host");
    parts.port = parsed->has_port() ? std::string(parsed->port()) : (parts.tls ? "443" : "80");
    parts.target = std::string(parsed->encoded_path());
    if (parts.target.empty()) parts.target = "/";
    if (parsed->has_query()) parts.target += "?" + std::string(parsed->encoded_query());
    return parts;
}

std::string resolve_url(std::string_view base, std::string_view reference) {
    if (reference.starts_with("http://") || reference.starts_with("https://")) return std::string(reference);
    auto parts = split_url(base);
    std::string origin = std::string(parts.tls ? "https://" : "http://") + parts.host;
    if (parts.port != (parts.tls ? "443" : "80")) origin += ":" + parts.port;
    if (reference.starts_with('/')) return origin + std::string(reference);
    // Relative to the base's directory (registries send absolute paths; this is for completeness).
    auto path = parts.target.substr(0, parts.target.find('?'));
    return origin + path.substr(0, path.rfind('/') + 1) + std::string(reference);
}

namespace {

template <typename Stream>
asio::awaitable<HttpResponse> exchange(Stream& stream, const UrlParts& url, HttpRequest& request, const HttpOptions& options,
                                       const std::function<void(std::string_view)>& on_body) {
    http::request<http::string_body> req{http::string_to_verb(request.method), url.target, 11};
    const bool default_port = url.port == (url.tls ? "443" : "80");
    req.set(http::field::host, default_port ? url.host : url.host + ":" + url.port);
    req.set(http::field::user_agent, "shapeblock-operator");
    for (auto& [name, value] : request.headers) req.set(name, value);
    req.body() = std::move(request.body);
    req.keep_alive(false);
    req.prepare_payload();
    beast::get_lowest_layer(stream).expires_after(options.timeout);
    co_await http::async_write(stream, req, asio::use_awaitable);

    beast::flat_buffer buffer;
    http::response_parser<http::buffer_body> parser;
    parser.body_limit(boost::none);
    parser.skip(request.method == "HEAD");
    co_await http::async_read_header(stream, buffer, parser, asio::use_awaitable);
    HttpResponse out;
    out.status = static_cast<int>(parser.get().result_int());
    for (const auto& field : parser.get()) out.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
    const bool stream_body = on_body && out.status / 100 == 2;
    std::array<char, 64 * 1024> piece;
    while (!parser.is_done()) {
        parser.get().body().data = piece.data();
        parser.get().body().size = piece.size();
        beast::get_lowest_layer(stream).expires_after(options.timeout);
        auto [ec, n] = co_await http::async_read(stream, buffer, parser, asio::as_tuple(asio::use_awaitable));
        if (ec && ec != http::error::need_buffer) throw boost::system::system_error(ec);
        std::string_view got(piece.data(), piece.size() - parser.get().body().size);
        if (stream_body) {
            on_body(got);
        } else {
            if (out.body.size() + got.size() > options.max_collected_body)
                throw RegistryUnreachable(url.host + " answered with an unexpectedly long body");
            out.body.append(got);
        }
    }
    co_return out;
}

asio::awaitable<HttpResponse> send_once(asio::any_io_executor executor, HttpRequest& request, const HttpOptions& options,
                                        const std::function<void(std::string_view)>& on_body) {
    const auto url = split_url(request.url);
    tcp::resolver resolver(executor);
    beast::tcp_stream tcp(executor);
    tcp.expires_after(options.timeout);
    auto addresses = co_await resolver.async_resolve(url.host, url.port, asio::use_awaitable);
    co_await tcp.async_connect(addresses, asio::use_awaitable);
    if (!url.tls) co_return co_await exchange(tcp, url, request, options, on_body);

    ssl::context ctx(ssl::context::tls_client);
    ctx.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                    ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
    if (options.verify_tls) ctx.set_default_verify_paths();
    beast::ssl_stream<beast::tcp_stream> tls(std::move(tcp), ctx);
    if (options.verify_tls) {
        tls.set_verify_mode(ssl::verify_peer);
        tls.set_verify_callback(ssl::host_name_verification(url.host));
    } else {
        tls.set_verify_mode(ssl::verify_none);
    }
    if (!SSL_set_tlsext_host_name(tls.native_handle(), url.host.c_str()))
        throw RegistryUnreachable("cannot set the TLS server name " + url.host);
    co_await tls.async_handshake(ssl::stream_base::client, asio::use_awaitable);
    auto response = co_await exchange(tls, url, request, options, on_body);
    beast::error_code ignored;
    beast::get_lowest_layer(tls).expires_after(std::chrono::seconds(2));
    co_await tls.async_shutdown(asio::redirect_error(asio::use_awaitable, ignored));
    co_return response;
}

}  // namespace

asio::awaitable<HttpResponse> send_http(asio::any_io_executor executor, HttpRequest request, HttpOptions options,
                                        std::function<void(std::string_view)> on_body) {
    const auto host = split_url(request.url).host;  // invalid_argument for a bad URL, before any I/O
    try {
        co_return co_await send_once(executor, request, options, on_body);
    } catch (const boost::system::system_error& e) {
        const auto& ec = e.code();
        std::string reason = ec == beast::error::timeout ? "no answer within " + std::to_string(options.timeout.count()) + " s"
                                                         : ec.message();
        throw RegistryUnreachable("cannot reach " + host + ": " + reason);
    }
}

}  // namespace sb::op::registry
