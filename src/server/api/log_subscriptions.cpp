#include "server/api/log_subscriptions.hpp"

#include <boost/json/serialize.hpp>

#include "server/core/api_error.hpp"

namespace sb::server::api {
namespace json = boost::json;

namespace {

std::string log_event(const std::string& topic, const char* kind, json::object data) {
    return json::serialize(json::object{{"type", "event"}, {"topic", topic}, {"kind", kind}, {"data", std::move(data)}});
}

}  // namespace

LogSubscriptions::~LogSubscriptions() {
    for (auto& [_, tap] : taps_) tap->on_ready = nullptr;
}

boost::asio::awaitable<void> LogSubscriptions::subscribe(ServerState& state, std::string topic, std::string app_id,
                                                         std::string user_id, LogOptions options) {
    if (taps_.contains(topic)) throw invalid_field("topic", "already subscribed to " + topic);
    auto target = co_await resolve_app_logs(state, std::move(app_id));
    agent::LogTap::Request request{target.object, options.pod, options.follow, options.tail_lines, options.since_seconds};
    auto tap = agent::LogTap::open(state, target.cluster_id, user_id, std::move(request));
    tap->on_ready = wake_;
    taps_[topic] = std::move(tap);
}

bool LogSubscriptions::unsubscribe(const std::string& topic) {
    auto it = taps_.find(topic);
    if (it == taps_.end()) return false;
    it->second->on_ready = nullptr;
    taps_.erase(it);  // the tap closes the operator's stream
    return true;
}

bool LogSubscriptions::has_pending() const {
    if (!ready_.empty()) return true;
    for (const auto& [_, tap] : taps_)
        if (tap->has_entries() || tap->finished()) return true;
    return false;
}

std::optional<std::string> LogSubscriptions::next() {
    if (ready_.empty() && !taps_.empty()) {
        // Round robin from the topic after the last one served.
        auto it = taps_.upper_bound(last_topic_);
        for (std::size_t tried = 0; tried < taps_.size() && ready_.empty(); ++tried, ++it) {
            if (it == taps_.end()) it = taps_.begin();
            const auto& topic = it->first;
            auto& tap = *it->second;
            if (auto entry = tap.pop()) {
                last_topic_ = topic;
                if (entry->dropped_lines > 0) {
                    ready_.push_back(log_event(topic, "app.log.dropped", {{"droppedLines", entry->dropped_lines}}));
                } else {
                    for (auto line : split_lines(entry->data))
                        ready_.push_back(log_event(topic, "app.log",
                                                   {{"pod", entry->pod}, {"container", entry->container}, {"line", line}}));
                }
            } else if (tap.finished()) {
                json::object data;
                if (!tap.error().empty()) data["error"] = tap.error();
                ready_.push_back(log_event(topic, "app.log.end", std::move(data)));
                tap.on_ready = nullptr;
                it = taps_.erase(it);
                break;
            }
        }
    }
    if (ready_.empty()) return std::nullopt;
    auto message = std::move(ready_.front());
    ready_.pop_front();
    return message;
}

}  // namespace sb::server::api
