#include "server/api/event_subscription.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/parse.hpp>

#include "common/log.hpp"

#include "server/auth/ownership.hpp"
#include "server/core/api_error.hpp"
#include "server/core/json_input.hpp"
#include "server/core/state.hpp"
#include "server/http/router.hpp"
#include "server/http/websocket.hpp"
#include "server/api/log_subscriptions.hpp"

namespace sb::server::api {
namespace asio = boost::asio;
namespace json = boost::json;

asio::awaitable<Response> handle_subscription_message(ServerState& state, std::string team,
                                                      std::shared_ptr<EventSubscriber> sub, std::string text,
                                                      LogSubscriptions* logs, std::string user_id) {
    try {
        auto body = BodyReader::parse(text);
        auto type = body.required_string("type", {.max_length = 20});
        auto topic = body.required_string("topic", {.max_length = 100});
        if (type != "subscribe" && type != "unsubscribe") throw invalid_field("type", "type must be subscribe or unsubscribe");
        auto colon = topic.find(':');
        std::string kind = topic.substr(0, colon), id;
        if (colon != std::string::npos) id = topic.substr(colon + 1);
        bool is_logs = kind == "app-logs" && logs;
        bool known = kind == "project" || kind == "app" || kind == "build" || kind == "cluster" || is_logs;
        if (!known || id.empty())
            throw invalid_field("topic", std::string("topic must be project:<id>, app:<id>, build:<id>, cluster:<id>") +
                                             (logs ? " or app-logs:<id>" : ""));
        // The options of an app's log stream, as the REST route's query.
        LogOptions options{.follow = true};
        if (is_logs && type == "subscribe") {
            options.follow = body.boolean("follow").value_or(true);
            options.tail_lines = body.integer("tail", 0, kMaxTailLines);
            if (auto since = body.string("since", {.max_length = 64})) options.since_seconds = parse_since(*since, "since");
            if (auto pod = body.string("pod", {.max_length = 253})) check_pod_name(*pod, "pod"), options.pod = *pod;
        }
        body.finish();
        if (type == "unsubscribe") {
            bool was = is_logs ? logs->unsubscribe(topic) : state.events.unsubscribe(sub, topic);
            if (!was) throw invalid_field("topic", "not subscribed to " + topic);
            co_return Response::json(200, json::object{{"type", "unsubscribed"}, {"topic", topic}});
        }
        // Named first: GCC 12 mishandles temporaries inside co_await.
        std::string owner_kind = is_logs ? std::string("app") : kind;
        bool owned = co_await owned_by(state, owner_kind, id, "team", team);
        if (!owned) throw not_found(owner_kind);
        if (is_logs) co_await logs->subscribe(state, topic, id, user_id, options);
        else state.events.subscribe(sub, topic);
        co_return Response::json(200, json::object{{"type", "subscribed"}, {"topic", topic}});
    } catch (...) {
        auto err = error_response(std::current_exception());
        auto v = json::parse(err.body).as_object();
        v["type"] = "error";
        co_return Response::json(err.status, v);
    }
}

asio::awaitable<void> serve_event_subscriber(ServerState& state, WebSocket& ws, WebSocketSession session) {
    ws.set_read_limit(64 * 1024);
    std::string team = session.params.at("team");
    std::string user_id = session.principal ? session.principal->user_id : std::string();
    auto sub = std::make_shared<EventSubscriber>(state.config.ws_queue_limit);
    asio::steady_timer wake(co_await asio::this_coro::executor, asio::steady_timer::time_point::max());
    LogSubscriptions logs([&wake] { wake.cancel(); });
    bool closed = false;
    sub->on_ready = [&] {
        wake.cancel();
        // A dropped subscriber may be stuck in a write to a client that stopped reading: cut it off.
        if (sub->dropped()) ws.cut();
    };
    ScopedSubscription unsubscribe{state.events, sub};

    auto reader = [&]() -> asio::awaitable<void> {
        for (;;) {
            auto text = co_await ws.read();
            if (!text) break;
            auto reply = co_await handle_subscription_message(state, team, sub, std::move(*text), &logs, user_id);
            sub->deliver(std::make_shared<const std::string>(std::move(reply.body)));
        }
        closed = true;
        wake.cancel();
    };
    auto writer = [&]() -> asio::awaitable<void> {
        while (!closed && !sub->dropped()) {
            while (!sub->empty() && !sub->dropped()) {
                auto message = sub->pop();
                bool ok = co_await ws.write(*message);
                if (!ok) co_return;
            }
            // Log lines take turns with events: at most a batch before events go again.
            for (int sent = 0; sent < 64 && !sub->dropped(); ++sent) {
                auto line = logs.next();
                if (!line) break;
                bool ok = co_await ws.write(std::move(*line));
                if (!ok) co_return;
            }
            if (!sub->empty() || logs.has_pending()) continue;
            if (closed || sub->dropped()) break;
            wake.expires_at(asio::steady_timer::time_point::max());
            co_await wake.async_wait(asio::as_tuple(asio::use_awaitable));
        }
    };
    using namespace asio::experimental::awaitable_operators;
    co_await (reader() || writer());
    if (sub->dropped()) sb::log::info("event subscriber dropped: it did not keep up", {{"team", json::value(team)}});
}

}  // namespace sb::server::api
