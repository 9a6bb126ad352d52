#pragma once
// The app-logs:<appId> topics of one event WebSocket: each subscription is a
// log tap (an operator log stream, agent/log_tap.hpp) whose lines the
// session's writer sends as events. Unsubscribing, or the session ending,
// closes the stream at the operator.
//
// Messages: {"type": "event", "topic": "app-logs:<id>", "kind": "app.log",
// "data": {"pod", "container", "line"}} per line; "app.log.dropped"
// {"droppedLines": n} where lines were lost because the client read too
// slowly; "app.log.end" {"error"?} once the stream ended (the subscription
// is then gone).
#include <boost/asio/awaitable.hpp>

#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "server/agent/log_tap.hpp"
#include "server/api/log_stream.hpp"

namespace sb::server::api {

class LogSubscriptions {
public:
    // `wake` is called when a subscription has something to send.
    explicit LogSubscriptions(std::function<void()> wake) : wake_(std::move(wake)) {}
    ~LogSubscriptions();
    LogSubscriptions(const LogSubscriptions&) = delete;
    LogSubscriptions& operator=(const LogSubscriptions&) = delete;

    // Opens the app's log stream for `user_id` (the app was checked to belong
    // to the caller's team). Throws ApiError like the REST route: 409, 429,
    // 503, 400 for a topic already subscribed.
    boost::asio::awaitable<void> subscribe(ServerState& state, std::string topic, std::string app_id, std::string user_id,
                                           LogOptions options);
    // False when `topic` was not subscribed.
    bool unsubscribe(const std::string& topic);
    bool subscribed(const std::string& topic) const { return taps_.contains(topic); }

    // Something may be ready to send (next() may still find nothing).
    bool has_pending() const;
    // The next event to send, if any (taking turns between subscriptions).
    std::optional<std::string> next();

private:
    std::function<void()> wake_;
    std::map<std::string, std::shared_ptr<agent::LogTap>> taps_;
    std::deque<std::string> ready_;  // events of a tap entry not sent yet
    std::string last_topic_;
};

}  // namespace sb::server::api
