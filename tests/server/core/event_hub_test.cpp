// The event hub's delivery order and its dropping of full subscribers.
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

#include "server/core/events.hpp"

namespace sb::server {
namespace {

TEST(EventHub, DeliversInOrderAndDropsFullSubscribers) {
    EventHub hub;
    auto fast = std::make_shared<EventSubscriber>(100);
    auto slow = std::make_shared<EventSubscriber>(3);
    int dropped_notifications = 0;
    slow->on_ready = [&] { dropped_notifications += slow->dropped() ? 1 : 0; };
    hub.subscribe(fast, "app:1");
    hub.subscribe(slow, "app:1");
    hub.subscribe(fast, "app:2");
    for (int i = 0; i < 5; ++i) hub.publish("app:1", "build.updated", {{"i", i}});
    hub.publish("app:3", "ignored", {});
    EXPECT_TRUE(slow->dropped());
    EXPECT_EQ(dropped_notifications, 1);
    EXPECT_TRUE(slow->empty());  // its queue is released at once
    std::int64_t last = 0;
    for (int i = 0; i < 5; ++i) {
        auto msg = boost::json::parse(*fast->pop()).as_object();
        EXPECT_EQ(msg.at("data").at("i").as_int64(), i);
        EXPECT_GT(msg.at("seq").as_int64(), last);
        last = msg.at("seq").as_int64();
    }
    EXPECT_TRUE(fast->empty());
    hub.unsubscribe_all(fast);
    hub.unsubscribe_all(slow);
    EXPECT_EQ(hub.subscriber_count(), 0u);
}

}  // namespace
}  // namespace sb::server
