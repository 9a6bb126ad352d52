#include "bench/agent/simulated_cluster.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/beast/websocket.hpp>

#include "agent/codec.hpp"

namespace sb::bench {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;

namespace {

sb::agent::Hello hello_of(const FleetMember& member) {
    sb::agent::Hello hello;
    hello.cluster_id = member.cluster_id;
    hello.operator_version = "sb-agent-load";
    hello.kubernetes_version = "v1.31.0";
    hello.protocol_versions = {sb::agent::kProtocolVersion};
    hello.capabilities = {"apply", "logs"};
    hello.capacity = {3, 6000, 12LL << 30};
    return hello;
}

bool is_request(const sb::agent::Body& body) {
    return std::holds_alternative<sb::agent::Apply>(body) || std::holds_alternative<sb::agent::Delete>(body) ||
           std::holds_alternative<sb::agent::OpenLogs>(body) || std::holds_alternative<sb::agent::CloseLogs>(body);
}

}  // namespace

SimulatedCluster::SimulatedCluster(asio::any_io_executor executor, ServerAddress server, FleetMember member)
    : server_(std::move(server)), member_(std::move(member)), ws_(executor), wake_(executor) {}

void SimulatedCluster::queue(std::string frame) {
    outbox_.push_back(std::move(frame));
    wake_.cancel();
}

void SimulatedCluster::send_status(const std::string& marker) {
    sb::agent::Status status;
    status.object = {"AppBuild", member_.project_name, "build-" + member_.build_id};
    status.resource_version = std::to_string(next_version_++);
    status.generation = 1;
    status.status = {{"phase", "Building"}, {"message", marker}};
    queue(sb::agent::encode({"", std::move(status)}));
}

void SimulatedCluster::stop() {
    stopping_ = true;
    wake_.cancel();
}

asio::awaitable<void> SimulatedCluster::run() {
    try {
        asio::ip::tcp::resolver resolver(co_await asio::this_coro::executor);
        auto endpoints = co_await resolver.async_resolve(server_.host, server_.port, asio::use_awaitable);
        co_await beast::get_lowest_layer(ws_).async_connect(endpoints, asio::use_awaitable);
        beast::get_lowest_layer(ws_).socket().set_option(asio::ip::tcp::no_delay(true));
        ws_.set_option(websocket::stream_base::decorator([token = member_.agent_token](websocket::request_type& req) {
            req.set(beast::http::field::authorization, "Bearer " + token);
        }));
        co_await ws_.async_handshake(server_.host + ":" + server_.port, "/api/v1/agent", asio::use_awaitable);
        ws_.text(true);
        queue(sb::agent::encode({"", hello_of(member_)}));
        using namespace asio::experimental::awaitable_operators;
        co_await (reader() || writer());
    } catch (const std::exception& e) {
        if (failure_.empty()) failure_ = e.what();
    }
    live_ = false;
    ended_ = true;
}

asio::awaitable<void> SimulatedCluster::reader() {
    for (;;) {
        buffer_.consume(buffer_.size());
        auto [ec, n] = co_await ws_.async_read(buffer_, asio::as_tuple(asio::use_awaitable));
        if (ec) {
            if (!stopping_) failure_ = "connection ended: " + ec.message() + " (close code " +
                                       std::to_string(ws_.reason().code) + " " + std::string(ws_.reason().reason.data(), ws_.reason().reason.size()) + ")";
            co_return;
        }
        auto decoded = sb::agent::decode(beast::buffers_to_string(buffer_.data()), sb::agent::Sender::server);
        auto* message = std::get_if<sb::agent::Message>(&decoded);
        if (!message) {
            auto& failure = std::get<sb::agent::DecodeFailure>(decoded);
            failure_ = "undecodable frame from the server: " + failure.error.message;
            continue;
        }
        if (std::holds_alternative<sb::agent::Welcome>(message->body)) {
            queue(sb::agent::encode({"", sb::agent::Snapshot{0, true, {}}}));
            live_ = true;
        } else if (is_request(message->body)) {
            queue(sb::agent::encode({"", sb::agent::Ack{message->id, std::nullopt}}));
            ++acked_;
        }
    }
}

asio::awaitable<void> SimulatedCluster::writer() {
    for (;;) {
        while (!outbox_.empty() && !stopping_) {
            auto frame = std::move(outbox_.front());
            outbox_.pop_front();
            auto [ec, n] = co_await ws_.async_write(asio::buffer(frame), asio::as_tuple(asio::use_awaitable));
            if (ec) co_return;
        }
        if (stopping_) {
            co_await ws_.async_close(websocket::close_code::normal, asio::as_tuple(asio::use_awaitable));
            co_return;
        }
        wake_.expires_at(asio::steady_timer::time_point::max());
        co_await wake_.async_wait(asio::as_tuple(asio::use_awaitable));
    }
}

}  // namespace sb::bench
