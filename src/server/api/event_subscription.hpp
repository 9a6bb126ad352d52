#pragma once
// The event WebSocket's protocol: a client sends
// {"type": "subscribe", "topic": "app:<id>"} for objects of its team; the
// answer is {"type": "subscribed", ...} or an error object with "type": "error".
// {"type": "unsubscribe", "topic": ...} ends one. "app-logs:<appId>" streams
// an app's log lines (log_subscriptions.hpp), with the options "tail",
// "since", "pod" and "follow" (default true) in the subscribe message.
#include <boost/asio/awaitable.hpp>

#include <memory>
#include <string>

#include "server/http/message.hpp"
#include "server/http/router.hpp"

namespace sb::server {
struct ServerState;
class EventSubscriber;
class WebSocket;
}  // namespace sb::server

namespace sb::server::api {

class LogSubscriptions;

// Coroutine: takes its strings by value (see helpers.hpp).
boost::asio::awaitable<Response> handle_subscription_message(ServerState& state, std::string team,
                                                             std::shared_ptr<EventSubscriber> subscriber, std::string text,
                                                             LogSubscriptions* logs = nullptr, std::string user_id = {});

// The WebSocket handler of GET /api/v1/teams/{team}/events: answers subscribe
// requests and forwards the subscribed topics' events until either side ends.
boost::asio::awaitable<void> serve_event_subscriber(ServerState& state, WebSocket& ws, WebSocketSession session);

}  // namespace sb::server::api
