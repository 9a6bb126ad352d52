#pragma once
// Fan-out of status changes and log lines to WebSocket subscribers. All
// calls happen on the IO thread. Each subscriber has a bounded queue: a
// subscriber that does not drain it in time is dropped (its connection is
// closed), so a stalled client can never make the server's memory grow.
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>

#include <boost/json/object.hpp>

namespace sb::server {

class EventSubscriber {
public:
    explicit EventSubscriber(std::size_t max_queued) : max_queued_(max_queued) {}
    // Called when a message is queued or the subscriber is dropped.
    std::function<void()> on_ready;
    bool dropped() const { return dropped_; }
    bool empty() const { return queue_.empty(); }
    std::shared_ptr<const std::string> pop();
    std::set<std::string> topics;
    // Queues a message for this subscriber only (replies to its requests).
    void deliver(std::shared_ptr<const std::string> message) { push(std::move(message)); }

private:
    friend class EventHub;
    void push(std::shared_ptr<const std::string> message);
    std::size_t max_queued_;
    std::deque<std::shared_ptr<const std::string>> queue_;
    bool dropped_ = false;
};

class EventHub {
public:
    void subscribe(const std::shared_ptr<EventSubscriber>& s, const std::string& topic);
    // False when `s` was not subscribed to `topic`.
    bool unsubscribe(const std::shared_ptr<EventSubscriber>& s, const std::string& topic);
    void unsubscribe_all(const std::shared_ptr<EventSubscriber>& s);
    // topic: "project:<id>", "app:<id>", "build:<id>". Messages carry a
    // hub-wide increasing sequence number, so clients can check order.
    void publish(const std::string& topic, const std::string& kind, boost::json::object data);
    std::size_t subscriber_count() const;
    // Drops every subscriber (server shutdown).
    void close_all();

private:
    std::uint64_t seq_ = 0;
    std::map<std::string, std::set<std::shared_ptr<EventSubscriber>>> topics_;
};

// Takes `sub` off every topic of `hub`, and stops its wake-ups, when the
// scope that subscribed it ends (however it ends).
class ScopedSubscription {
public:
    ScopedSubscription(EventHub& hub, std::shared_ptr<EventSubscriber> sub) : hub_(hub), sub_(std::move(sub)) {}
    ~ScopedSubscription() {
        sub_->on_ready = nullptr;
        hub_.unsubscribe_all(sub_);
    }
    ScopedSubscription(const ScopedSubscription&) = delete;
    ScopedSubscription& operator=(const ScopedSubscription&) = delete;

private:
    EventHub& hub_;
    std::shared_ptr<EventSubscriber> sub_;
};

}  // namespace sb::server
