#include "server/agent/log_queue.hpp"

#include <gtest/gtest.h>

namespace sb::server::agent {
namespace {

TEST(LogQueue, KeepsChunksInOrderUpToItsSizeThenCountsWhatItDropsInOneMarker) {
    LogQueue queue(10);
    queue.push("p1", "c", "abcd\n");
    queue.push("p1", "c", "efg\n");
    queue.push("p2", "c", "");  // nothing to keep
    EXPECT_EQ(queue.queued_bytes(), 9u);
    queue.push("p1", "c", "x\ny\n");  // over 10 bytes: dropped
    queue.push("p2", "c", "z\n");     // dropped too: the same gap
    auto first = queue.pop();
    ASSERT_TRUE(first);
    EXPECT_EQ(first->data, "abcd\n");
    EXPECT_EQ(first->pod, "p1");
    queue.push("p2", "c", "later\n");  // room again: kept after the marker
    EXPECT_EQ(queue.pop()->data, "efg\n");
    auto marker = queue.pop();
    ASSERT_TRUE(marker);
    EXPECT_EQ(marker->dropped_lines, 3);
    EXPECT_EQ(marker->data, "");
    auto later = queue.pop();
    ASSERT_TRUE(later);
    EXPECT_EQ(later->data, "later\n");
    EXPECT_EQ(later->dropped_lines, 0);
    EXPECT_FALSE(queue.pop());
    EXPECT_EQ(queue.queued_bytes(), 0u);
}

TEST(LogQueue, ALineWithoutNewlineCountsAsOneDroppedLine) {
    LogQueue queue(3);
    queue.push("p", "c", "long line without end");
    auto marker = queue.pop();
    ASSERT_TRUE(marker);
    EXPECT_EQ(marker->dropped_lines, 1);
}

}  // namespace
}  // namespace sb::server::agent
