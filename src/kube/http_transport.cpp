// The only translation unit that includes Beast and Asio's SSL support.
#include "kube/http_transport.hpp"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>

#include <array>
#include <atomic>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/url/parse.hpp>
#include <mutex>
#include <tuple>

namespace sb::kube::detail {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using asio::use_awaitable;
using Clock = std::chrono::steady_clock;

namespace {

constexpr std::size_t kMaxIdleConnections = 16;
constexpr auto kMaxIdleTime = std::chrono::seconds(50);  // below the apiserver's idle timeout
constexpr std::size_t kMaxErrorBody = 1024 * 1024;
// A pooled connection keeps at most this much read buffer while idle.
constexpr std::size_t kIdleBufferCapacity = 16 * 1024;
// TCP keep-alive probes notice a silently dead peer (a watch on a cut
// connection) within about idle + interval * count seconds.
constexpr int kKeepAliveIdleSeconds = 30;
constexpr int kKeepAliveIntervalSeconds = 10;
constexpr int kKeepAliveProbes = 3;

bool is_ip_address(const std::string& host) {
    boost::system::error_code ec;
    asio::ip::make_address(host, ec);
    return !ec;
}

std::shared_ptr<ssl::context> make_context(const TlsSettings& tls) {
    auto ctx = std::make_shared<ssl::context>(ssl::context::tls_client);
    ctx->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                     ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
    // An idle pooled connection (or a quiet watch) then holds no 34 KiB of TLS record buffers.
    SSL_CTX_set_mode(ctx->native_handle(), SSL_MODE_RELEASE_BUFFERS);
    try {
        if (!tls.ca_pem.empty())
            ctx->add_certificate_authority(asio::buffer(tls.ca_pem));
        else
            ctx->set_default_verify_paths();
    } catch (const boost::system::system_error& e) {
        throw TransportError(std::string("cannot load the cluster CA certificate: ") + e.what());
    }
    if (!tls.client_cert_pem.empty()) {
        try {
            ctx->use_certificate_chain(asio::buffer(tls.client_cert_pem));
            ctx->use_private_key(asio::buffer(tls.client_key_pem), ssl::context::pem);
        } catch (const boost::system::system_error& e) {
            throw TransportError(std::string("cannot load the client certificate/key: ") + e.what());
        }
    }
    return ctx;
}

std::optional<std::chrono::seconds> parse_retry_after(std::string_view value) {
    if (value.empty()) return std::nullopt;
    long seconds = 0;
    for (char c : value) {
        if (c < '0' || c > '9') return std::nullopt;  // HTTP-date form: not used by the apiserver
        seconds = seconds * 10 + (c - '0');
        if (seconds > 86400) break;
    }
    return std::chrono::seconds(seconds);
}

void enable_keep_alive(tcp::socket& socket) {
    boost::system::error_code ignored;
    socket.set_option(asio::socket_base::keep_alive(true), ignored);
    const int fd = socket.native_handle();
    ::setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &kKeepAliveIdleSeconds, sizeof kKeepAliveIdleSeconds);
    ::setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &kKeepAliveIntervalSeconds, sizeof kKeepAliveIntervalSeconds);
    ::setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &kKeepAliveProbes, sizeof kKeepAliveProbes);
}

template <typename Fields>
void fill_meta(HttpResponse& out, int status, const Fields& fields) {
    out.status = status;
    if (auto it = fields.find(http::field::content_type); it != fields.end()) out.content_type = std::string(it->value());
    if (auto it = fields.find(http::field::retry_after); it != fields.end()) out.retry_after = parse_retry_after(it->value());
}

}  // namespace

struct Connection {
    std::shared_ptr<ssl::context> ctx;  // must outlive the stream
    beast::ssl_stream<beast::tcp_stream> stream;
    beast::flat_buffer buffer;
    Clock::time_point idle_since{};
    std::uint64_t generation = 0;

    Connection(const asio::any_io_executor& ex, std::shared_ptr<ssl::context> c)
        : ctx(std::move(c)), stream(ex, *ctx) {}

    // A pooled connection the server has closed (or that has unexpected
    // bytes pending) reads as ready; such a connection must not be reused.
    bool looks_alive() {
        auto& sock = beast::get_lowest_layer(stream).socket();
        if (!sock.is_open()) return false;
        pollfd pfd{sock.native_handle(), POLLIN, 0};
        return ::poll(&pfd, 1, 0) == 0;
    }
};

struct HttpTransport::Impl {
    asio::any_io_executor executor;
    std::string host, port, prefix, host_header;
    std::optional<asio::ip::address> address;  // when host is an IP address
    unsigned short port_number = 443;
    TlsSettings tls;
    std::string verify_name;

    mutable std::mutex mutex;
    std::shared_ptr<ssl::context> ctx;
    std::uint64_t generation = 0;
    std::vector<std::shared_ptr<Connection>> idle;
    std::atomic<std::uint64_t> opened{0};

    asio::awaitable<std::shared_ptr<Connection>> connect(std::chrono::milliseconds timeout) {
        std::shared_ptr<ssl::context> c;
        std::uint64_t gen;
        {
            std::lock_guard lock(mutex);
            c = ctx;
            gen = generation;
        }
        auto conn = std::make_shared<Connection>(executor, c);
        conn->generation = gen;
        if (!is_ip_address(verify_name))
            SSL_set_tlsext_host_name(conn->stream.native_handle(), verify_name.c_str());
        if (tls.insecure_skip_verify) {
            conn->stream.set_verify_mode(ssl::verify_none);
        } else {
            conn->stream.set_verify_mode(ssl::verify_peer);
            conn->stream.set_verify_callback(ssl::host_name_verification(verify_name));
        }
        const std::string where = host + ":" + port;
        auto& lowest = beast::get_lowest_layer(conn->stream);
        lowest.expires_after(timeout);
        boost::system::error_code cec;
        if (address) {
            // An IP address (in-cluster, kubeconfigs of local clusters): no
            // resolver, whose first use starts a background thread for good.
            std::tie(cec) = co_await lowest.async_connect(tcp::endpoint(*address, port_number),
                                                          asio::as_tuple(use_awaitable));
        } else {
            tcp::resolver resolver(executor);
            auto [rec, results] = co_await resolver.async_resolve(host, port, asio::as_tuple(use_awaitable));
            if (rec) throw ConnectionError("cannot resolve " + host + ": " + rec.message(), false);
            lowest.expires_after(timeout);
            tcp::endpoint ignored;
            std::tie(cec, ignored) = co_await lowest.async_connect(results, asio::as_tuple(use_awaitable));
        }
        if (cec) throw ConnectionError("cannot connect to " + where + ": " + cec.message(), false);
        enable_keep_alive(lowest.socket());
        auto [hec] = co_await conn->stream.async_handshake(ssl::stream_base::client, asio::as_tuple(use_awaitable));
        if (hec) {
            std::string detail = hec.message();
            if (long v = SSL_get_verify_result(conn->stream.native_handle()); v != X509_V_OK)
                detail += std::string(" (") + X509_verify_cert_error_string(v) + ")";
            throw ConnectionError("TLS handshake with " + where + " (verifying as '" + verify_name + "') failed: " + detail,
                                  false);
        }
        opened.fetch_add(1, std::memory_order_relaxed);
        co_return conn;
    }

    // A pooled connection when one is usable, else a new one.
    asio::awaitable<std::pair<std::shared_ptr<Connection>, bool>> acquire(std::chrono::milliseconds timeout) {
        {
            std::lock_guard lock(mutex);
            auto now = Clock::now();
            while (!idle.empty()) {
                auto conn = std::move(idle.back());
                idle.pop_back();
                if (conn->generation == generation && now - conn->idle_since < kMaxIdleTime && conn->looks_alive())
                    co_return std::pair{std::move(conn), true};
            }
        }
        co_return std::pair{co_await connect(timeout), false};
    }

    void release(std::shared_ptr<Connection> conn) {
        conn->idle_since = Clock::now();
        if (conn->buffer.capacity() > kIdleBufferCapacity && conn->buffer.size() == 0) conn->buffer.shrink_to_fit();
        beast::get_lowest_layer(conn->stream).expires_never();
        std::lock_guard lock(mutex);
        if (conn->generation == generation && idle.size() < kMaxIdleConnections) idle.push_back(std::move(conn));
    }

    http::request<http::string_body> build(const HttpRequest& r) const {
        auto verb = http::string_to_verb(r.method);
        if (verb == http::verb::unknown) throw TransportError("unknown HTTP method " + r.method);
        http::request<http::string_body> req{verb, prefix + r.target, 11};
        req.set(http::field::host, host_header);
        for (const auto& [k, v] : r.headers) req.set(k, v);
        req.keep_alive(true);
        if (!r.body.empty() || verb == http::verb::post || verb == http::verb::put || verb == http::verb::patch) {
            req.body() = r.body;
            req.prepare_payload();
        }
        return req;
    }
};

HttpTransport::HttpTransport(asio::any_io_executor executor, const std::string& server, TlsSettings tls)
    : impl_(std::make_shared<Impl>()) {
    auto url = boost::urls::parse_uri(server);
    if (!url) throw TransportError("invalid server URL '" + server + "'");
    if (url->scheme() != "https") throw TransportError("server URL '" + server + "' must use https");
    impl_->executor = std::move(executor);
    impl_->host = url->host_address();  // without IPv6 brackets
    impl_->port = url->has_port() ? std::string(url->port()) : "443";
    if (url->has_port()) {
        if (url->port_number() == 0) throw TransportError("invalid port in server URL '" + server + "'");
        impl_->port_number = url->port_number();
    }
    if (is_ip_address(impl_->host)) impl_->address = asio::ip::make_address(impl_->host);
    impl_->prefix = std::string(url->encoded_path());
    while (!impl_->prefix.empty() && impl_->prefix.back() == '/') impl_->prefix.pop_back();
    impl_->host_header = std::string(url->encoded_host_and_port());
    impl_->verify_name = tls.server_name.empty() ? impl_->host : tls.server_name;
    impl_->ctx = make_context(tls);
    impl_->tls = std::move(tls);
}

HttpTransport::~HttpTransport() = default;

const std::string& HttpTransport::path_prefix() const { return impl_->prefix; }
const std::string& HttpTransport::host_header() const { return impl_->host_header; }

void HttpTransport::set_client_certificate(const std::string& cert_pem, const std::string& key_pem) {
    TlsSettings tls = impl_->tls;
    tls.client_cert_pem = cert_pem;
    tls.client_key_pem = key_pem;
    auto ctx = make_context(tls);
    std::lock_guard lock(impl_->mutex);
    impl_->tls = std::move(tls);
    impl_->ctx = std::move(ctx);
    ++impl_->generation;
    impl_->idle.clear();
}

asio::awaitable<HttpResponse> HttpTransport::send(const HttpRequest& request, std::chrono::milliseconds timeout) {
    auto impl = impl_;
    auto req = impl->build(request);
    for (int attempt = 0;; ++attempt) {
        auto [conn, reused] = co_await impl->acquire(timeout);
        auto& lowest = beast::get_lowest_layer(conn->stream);
        lowest.expires_after(timeout);
        auto [wec, written] = co_await http::async_write(conn->stream, req, asio::as_tuple(use_awaitable));
        boost::system::error_code ec = wec;
        http::response_parser<http::string_body> parser;
        parser.body_limit(boost::none);
        if (!ec) {
            auto [rec, read] = co_await http::async_read(conn->stream, conn->buffer, parser, asio::as_tuple(use_awaitable));
            ec = rec;
        }
        if (ec) {
            // A kept-alive connection the server closed just now: nothing was
            // processed, so any request can go again on a fresh connection.
            bool stale = reused && attempt == 0 && !parser.got_some() &&
                         (ec == http::error::end_of_stream || ec == asio::error::connection_reset ||
                          ec == asio::error::broken_pipe || ec == asio::error::eof || ec == asio::ssl::error::stream_truncated);
            if (stale) continue;
            std::string what = ec == beast::error::timeout ? "timed out after " + std::to_string(timeout.count()) + " ms"
                                                            : ec.message();
            throw ConnectionError(request.method + " " + request.target + ": " + what, true);
        }
        auto res = parser.release();
        HttpResponse out;
        fill_meta(out, res.result_int(), res);
        out.body = std::move(res.body());
        if (res.keep_alive()) impl->release(std::move(conn));
        co_return out;
    }
}

asio::awaitable<HttpResponse> HttpTransport::stream(const HttpRequest& request,
                                                    const std::function<void(std::string_view)>& on_body,
                                                    std::stop_token stop, std::chrono::milliseconds idle_timeout) {
    auto impl = impl_;
    auto req = impl->build(request);
    HttpResponse out;
    if (stop.stop_requested()) co_return out;
    auto [conn, reused] = co_await impl->acquire(std::chrono::seconds(30));
    auto& lowest = beast::get_lowest_layer(conn->stream);
    auto stopped = std::make_shared<std::atomic<bool>>(false);
    std::stop_callback on_stop(stop, [conn, stopped, ex = impl->executor] {
        stopped->store(true);
        asio::post(ex, [conn] {
            boost::system::error_code ignored;
            beast::get_lowest_layer(conn->stream).socket().close(ignored);
        });
    });
    auto arm = [&] {
        if (idle_timeout.count() > 0)
            lowest.expires_after(idle_timeout);
        else
            lowest.expires_never();
    };
    lowest.expires_after(std::chrono::seconds(30));
    auto [wec, written] = co_await http::async_write(conn->stream, req, asio::as_tuple(use_awaitable));
    if (wec) {
        if (stopped->load()) co_return out;
        throw ConnectionError(request.method + " " + request.target + ": " + wec.message(), true);
    }
    http::response_parser<http::buffer_body> parser;
    parser.body_limit(boost::none);
    arm();
    auto [hec, hread] = co_await http::async_read_header(conn->stream, conn->buffer, parser, asio::as_tuple(use_awaitable));
    if (hec) {
        if (stopped->load()) co_return out;
        throw ConnectionError(request.method + " " + request.target + ": " + hec.message(), true);
    }
    fill_meta(out, parser.get().result_int(), parser.get());
    const bool success = out.status >= 200 && out.status < 300;
    std::array<char, 16 * 1024> buf;
    while (!parser.is_done()) {
        parser.get().body().data = buf.data();
        parser.get().body().size = buf.size();
        arm();
        // read_some: hand each chunk over as soon as it arrives (a watch
        // event must not wait for the buffer to fill).
        auto [ec, n] = co_await http::async_read_some(conn->stream, conn->buffer, parser, asio::as_tuple(use_awaitable));
        if (ec == http::error::need_buffer) ec = {};
        std::size_t got = buf.size() - parser.get().body().size;
        if (got > 0) {
            if (success)
                on_body(std::string_view(buf.data(), got));
            else if (out.body.size() < kMaxErrorBody)
                out.body.append(buf.data(), got);
        }
        if (ec) {
            if (stopped->load()) co_return out;
            std::string what = ec == beast::error::timeout ? "no data for " + std::to_string(idle_timeout.count()) + " ms"
                                                            : ec.message();
            throw ConnectionError(request.method + " " + request.target + ": stream broken: " + what, true);
        }
    }
    if (parser.get().keep_alive() && !stopped->load()) impl->release(std::move(conn));
    co_return out;
}

std::uint64_t HttpTransport::connections_opened() const { return impl_->opened.load(); }

std::size_t HttpTransport::close_idle_connections(std::chrono::milliseconds max_idle) {
    std::vector<std::shared_ptr<Connection>> closing;  // destroyed outside the lock
    std::lock_guard lock(impl_->mutex);
    auto now = Clock::now();
    auto stale = [&](const std::shared_ptr<Connection>& c) { return now - c->idle_since >= max_idle; };
    for (auto& c : impl_->idle)
        if (stale(c)) closing.push_back(std::move(c));
    std::erase(impl_->idle, nullptr);
    return closing.size();
}

std::size_t HttpTransport::idle_connections() const {
    std::lock_guard lock(impl_->mutex);
    return impl_->idle.size();
}

}  // namespace sb::kube::detail
