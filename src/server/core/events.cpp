#include "server/core/events.hpp"

#include <boost/json/serialize.hpp>

#include "common/metrics.hpp"

namespace sb::server {
namespace {
auto& dropped_total() {
    static auto& c = sb::metrics::Registry::global().counter(
        "sb_events_subscribers_dropped_total", "WebSocket subscribers dropped because their queue was full");
    return c.get();
}
auto& published_total() {
    static auto& c = sb::metrics::Registry::global().counter("sb_events_published_total", "Events published");
    return c.get();
}
}  // namespace

std::shared_ptr<const std::string> EventSubscriber::pop() {
    auto m = std::move(queue_.front());
    queue_.pop_front();
    return m;
}

void EventSubscriber::push(std::shared_ptr<const std::string> message) {
    if (dropped_) return;
    if (queue_.size() >= max_queued_) {
        dropped_ = true;
        queue_.clear();
        dropped_total().inc();
    } else {
        queue_.push_back(std::move(message));
    }
    if (on_ready) on_ready();
}

void EventHub::subscribe(const std::shared_ptr<EventSubscriber>& s, const std::string& topic) {
    topics_[topic].insert(s);
    s->topics.insert(topic);
}

bool EventHub::unsubscribe(const std::shared_ptr<EventSubscriber>& s, const std::string& topic) {
    if (!s->topics.erase(topic)) return false;
    auto it = topics_.find(topic);
    if (it != topics_.end()) {
        it->second.erase(s);
        if (it->second.empty()) topics_.erase(it);
    }
    return true;
}

void EventHub::unsubscribe_all(const std::shared_ptr<EventSubscriber>& s) {
    for (const auto& topic : s->topics) {
        auto it = topics_.find(topic);
        if (it == topics_.end()) continue;
        it->second.erase(s);
        if (it->second.empty()) topics_.erase(it);
    }
    s->topics.clear();
}

void EventHub::publish(const std::string& topic, const std::string& kind, boost::json::object data) {
    auto it = topics_.find(topic);
    ++seq_;
    published_total().inc();
    if (it == topics_.end()) return;
    boost::json::object message;
    message["type"] = "event";
    message["seq"] = seq_;
    message["topic"] = topic;
    message["kind"] = kind;
    message["data"] = std::move(data);
    auto text = std::make_shared<const std::string>(boost::json::serialize(message));
    // Copy: a push may drop a subscriber, whose session then unsubscribes.
    auto subscribers = it->second;
    for (const auto& s : subscribers) s->push(text);
}

std::size_t EventHub::subscriber_count() const {
    std::set<EventSubscriber*> all;
    for (const auto& [_, subs] : topics_)
        for (const auto& s : subs) all.insert(s.get());
    return all.size();
}

void EventHub::close_all() {
    auto topics = topics_;
    for (auto& [_, subs] : topics)
        for (const auto& s : subs) {
            s->dropped_ = true;
            if (s->on_ready) s->on_ready();
        }
}

}  // namespace sb::server
