#include "operator/agent/status_outbox.hpp"

#include <gtest/gtest.h>

namespace sb::op::agent {
namespace {

sb::agent::Status status(std::string name, std::string phase, std::string version) {
    return {{"App", "shop", std::move(name)},
            std::move(version),
            1,
            {{"phase", std::move(phase)}},
            false};
}

TEST(StatusOutbox, KeepsOnlyTheLatestStatusOfEachObjectInItsPlace) {
    StatusOutbox box;
    box.put(status("web", "Pending", "1"));
    box.put(status("api", "Pending", "2"));
    box.put(status("web", "Building", "3"));
    box.put(status("web", "Running", "4"));
    ASSERT_EQ(box.size(), 2u);
    auto first = box.take();
    ASSERT_TRUE(first);
    EXPECT_EQ(first->object.name, "web");
    EXPECT_EQ(first->resource_version, "4");
    EXPECT_EQ(box.take()->object.name, "api");
    EXPECT_FALSE(box.take());
}

TEST(StatusOutbox, MemoryIsBoundedByObjectsNotByChanges) {
    StatusOutbox box;
    for (int change = 0; change < 10000; ++change)
        box.put(status("app-" + std::to_string(change % 50), "Running", std::to_string(change)));
    EXPECT_EQ(box.size(), 50u);
    EXPECT_EQ(box.take()->resource_version, "9950");
}

TEST(StatusOutbox, ADeletionReplacesAWaitingStatus) {
    StatusOutbox box;
    box.put(status("web", "Running", "5"));
    box.put({{"App", "shop", "web"}, "6", 1, {}, true});
    auto s = box.take();
    ASSERT_TRUE(s);
    EXPECT_TRUE(s->deleted);
    EXPECT_TRUE(box.empty());
}

TEST(StatusOutbox, ObjectsOfOtherKindsOrNamespacesAreDistinct) {
    StatusOutbox box;
    box.put({{"App", "shop", "web"}, "1", 1, {}, false});
    box.put({{"AppBuild", "shop", "web"}, "1", 1, {}, false});
    box.put({{"App", "blog", "web"}, "1", 1, {}, false});
    EXPECT_EQ(box.size(), 3u);
    box.clear();
    EXPECT_TRUE(box.empty());
    EXPECT_FALSE(box.take());
}

}  // namespace
}  // namespace sb::op::agent
