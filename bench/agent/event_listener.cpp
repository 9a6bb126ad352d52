#include "bench/agent/event_listener.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "common/json_fields.hpp"

namespace sb::bench {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace json = boost::json;
namespace websocket = beast::websocket;

EventListener::EventListener(asio::any_io_executor executor, ServerAddress server, std::string team,
                             std::string api_token)
    : server_(std::move(server)), team_(std::move(team)), api_token_(std::move(api_token)), ws_(executor) {}

void EventListener::stop() {
    stopping_ = true;
    beast::get_lowest_layer(ws_).cancel();
}

asio::awaitable<void> EventListener::run(std::vector<std::string> topics) {
    try {
        asio::ip::tcp::resolver resolver(co_await asio::this_coro::executor);
        auto endpoints = co_await resolver.async_resolve(server_.host, server_.port, asio::use_awaitable);
        co_await beast::get_lowest_layer(ws_).async_connect(endpoints, asio::use_awaitable);
        beast::get_lowest_layer(ws_).socket().set_option(asio::ip::tcp::no_delay(true));
        ws_.set_option(websocket::stream_base::decorator([token = api_token_](websocket::request_type& req) {
            req.set(beast::http::field::authorization, "Bearer " + token);
        }));
        co_await ws_.async_handshake(server_.host + ":" + server_.port, "/api/v1/teams/" + team_ + "/events",
                                     asio::use_awaitable);
        ws_.text(true);
        for (const auto& topic : topics) {
            auto frame = json::serialize(json::object{{"type", "subscribe"}, {"topic", topic}});
            co_await ws_.async_write(asio::buffer(frame), asio::use_awaitable);
        }
        for (;;) {
            buffer_.consume(buffer_.size());
            auto [ec, n] = co_await ws_.async_read(buffer_, asio::as_tuple(asio::use_awaitable));
            const auto at = Clock::now();
            if (ec) {
                if (!stopping_) failure_ = "event WebSocket ended: " + ec.message();
                break;
            }
            std::error_code parse_error;
            auto v = json::parse(beast::buffers_to_string(buffer_.data()), parse_error);
            if (parse_error || !v.is_object()) continue;
            const auto& o = v.get_object();
            const auto* type = o.if_contains("type");
            if (!type || !type->is_string()) continue;
            if (*type == "subscribed") {
                ++subscribed_;
            } else if (*type == "error") {
                failure_ = "subscription refused: " + json::serialize(v);
            } else if (*type == "event" && o.at("kind") == "build.updated" && on_build_update) {
                on_build_update(sb::get_string_view(o, "data.reported.message"), at);
            } else if (*type == "event" && o.at("kind") == "cluster.state" && on_cluster_state) {
                on_cluster_state(sb::get_string_view(o, "data.state"));
            }
        }
    } catch (const std::exception& e) {
        if (!stopping_) failure_ = e.what();
    }
    ended_ = true;
}

}  // namespace sb::bench
