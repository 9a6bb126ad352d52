// sb-link-cutter: a TCP relay that ends every connection after a while, to
// make an operator reconnect over and over (the soak of bench/agent). Each
// connection is relayed both ways until --cut-after passes, then both sides
// are closed. Prints one line per connection cut.
#include <CLI/CLI.hpp>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <array>
#include <iostream>

namespace {
namespace asio = boost::asio;
using asio::ip::tcp;
using namespace std::chrono_literals;

asio::awaitable<void> pump(tcp::socket& from, tcp::socket& to) {
    std::array<char, 16384> buffer;
    for (;;) {
        auto [ec, n] = co_await from.async_read_some(asio::buffer(buffer), asio::as_tuple(asio::use_awaitable));
        if (ec) co_return;
        auto [wec, written] = co_await asio::async_write(to, asio::buffer(buffer.data(), n), asio::as_tuple(asio::use_awaitable));
        if (wec) co_return;
    }
}

asio::awaitable<void> expire(std::chrono::milliseconds after) {
    asio::steady_timer timer(co_await asio::this_coro::executor, after);
    co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
}

asio::awaitable<void> relay(tcp::socket client, tcp::endpoint upstream, std::chrono::milliseconds cut_after, long number) {
    tcp::socket server(client.get_executor());
    auto [ec] = co_await server.async_connect(upstream, asio::as_tuple(asio::use_awaitable));
    if (ec) co_return;
    using namespace asio::experimental::awaitable_operators;
    co_await (pump(client, server) || pump(server, client) || expire(cut_after));
    boost::system::error_code ignored;
    client.close(ignored);
    server.close(ignored);
    std::cout << "connection " << number << " ended" << std::endl;
}

asio::awaitable<void> listen(tcp::acceptor& acceptor, tcp::endpoint upstream, std::chrono::milliseconds cut_after) {
    long number = 0;
    for (;;) {
        auto socket = co_await acceptor.async_accept(asio::use_awaitable);
        asio::co_spawn(acceptor.get_executor(), relay(std::move(socket), upstream, cut_after, ++number), asio::detached);
    }
}

}  // namespace

int main(int argc, char** argv) {
    int listen_port = 0, to_port = 0;
    double cut_after_seconds = 1;
    CLI::App app{"A TCP relay on loopback that cuts every connection after a while"};
    app.add_option("--listen-port", listen_port, "Port on 127.0.0.1 to accept on")->required();
    app.add_option("--to-port", to_port, "Port on 127.0.0.1 to relay to")->required();
    app.add_option("--cut-after", cut_after_seconds, "Seconds a connection lives")->capture_default_str();
    CLI11_PARSE(app, argc, argv);
    asio::io_context io(1);
    auto loopback = asio::ip::make_address("127.0.0.1");
    tcp::acceptor acceptor(io, tcp::endpoint(loopback, static_cast<unsigned short>(listen_port)));
    auto cut_after = std::chrono::milliseconds(static_cast<long>(cut_after_seconds * 1000));
    asio::co_spawn(io, listen(acceptor, tcp::endpoint(loopback, static_cast<unsigned short>(to_port)), cut_after),
                   asio::detached);
    io.run();
}
