#include "kube/health_server.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>

#include "common/log.hpp"
#include "common/metrics.hpp"

namespace sb::kube {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

struct HealthServer::Impl {
    HealthServerOptions options;
    tcp::acceptor acceptor;

    Impl(asio::any_io_executor ex, HealthServerOptions opts) : options(std::move(opts)), acceptor(ex) {
        tcp::endpoint endpoint(asio::ip::make_address(options.address), options.port);
        acceptor.open(endpoint.protocol());
        acceptor.set_option(asio::socket_base::reuse_address(true));
        acceptor.bind(endpoint);
        acceptor.listen();
    }

    http::response<http::string_body> respond(const http::request<http::string_body>& req) const {
        http::response<http::string_body> res{http::status::ok, req.version()};
        res.keep_alive(req.keep_alive());
        res.set(http::field::content_type, "text/plain; charset=utf-8");
        const auto target = std::string_view(req.target()).substr(0, std::string_view(req.target()).find('?'));
        if (req.method() != http::verb::get) {
            res.result(http::status::method_not_allowed);
            res.body() = "method not allowed\n";
        } else if (target == "/metrics") {
            res.set(http::field::content_type, "text/plain; version=0.0.4; charset=utf-8");
            res.body() = metrics::Registry::global().render();
        } else if (target == "/healthz" || target == "/livez") {
            const bool ok = options.healthy();
            res.result(ok ? http::status::ok : http::status::service_unavailable);
            res.body() = ok ? "ok\n" : "unhealthy\n";
        } else if (target == "/readyz") {
            const bool ok = options.ready();
            res.result(ok ? http::status::ok : http::status::service_unavailable);
            res.body() = ok ? "ok\n" : "not ready\n";
        } else {
            res.result(http::status::not_found);
            res.body() = "not found\n";
        }
        res.prepare_payload();
        return res;
    }

    // Holds `self`, so a connection may outlive the HealthServer object.
    static asio::awaitable<void> serve(std::shared_ptr<Impl> self, beast::tcp_stream stream) {
        beast::flat_buffer buffer;
        for (;;) {
            http::request<http::string_body> req;
            stream.expires_after(std::chrono::seconds(30));
            auto [ec, n] = co_await http::async_read(stream, buffer, req, asio::as_tuple(asio::use_awaitable));
            if (ec) break;
            auto res = self->respond(req);
            auto [wec, wn] = co_await http::async_write(stream, res, asio::as_tuple(asio::use_awaitable));
            if (wec || !res.keep_alive()) break;
        }
        beast::error_code ignored;
        stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
    }
};

HealthServer::HealthServer(asio::any_io_executor executor, HealthServerOptions options)
    : impl_(std::make_shared<Impl>(std::move(executor), std::move(options))) {}

HealthServer::~HealthServer() {
    beast::error_code ignored;
    impl_->acceptor.close(ignored);
}

unsigned short HealthServer::port() const { return impl_->acceptor.local_endpoint().port(); }

asio::awaitable<void> HealthServer::run(std::stop_token stop) {
    auto impl = impl_;
    std::stop_callback on_stop(stop, [impl] {
        asio::post(impl->acceptor.get_executor(), [impl] {
            beast::error_code ignored;
            impl->acceptor.close(ignored);
        });
    });
    while (!stop.stop_requested()) {
        auto [ec, socket] = co_await impl->acceptor.async_accept(asio::as_tuple(asio::use_awaitable));
        if (ec) {
            if (ec == asio::error::operation_aborted || !impl->acceptor.is_open()) break;
            log::warn("health server accept failed", {{"error", boost::json::value(ec.message())}});
            continue;
        }
        beast::tcp_stream stream(std::move(socket));
        asio::co_spawn(impl->acceptor.get_executor(), Impl::serve(impl, std::move(stream)), asio::detached);
    }
}

}  // namespace sb::kube
