#include "operator/agent/backoff.hpp"

#include <gtest/gtest.h>

#include <set>

namespace sb::op::agent {
namespace {

using std::chrono::milliseconds;

TEST(Backoff, DoublesUpToTheCapWithFullJitter) {
    Backoff b(milliseconds(500), milliseconds(30000), 42);
    const std::int64_t ceilings[] = {500, 1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000};
    for (auto ceiling : ceilings) {
        EXPECT_EQ(b.ceiling().count(), ceiling);
        auto d = b.next();
        EXPECT_GE(d.count(), 0);
        EXPECT_LE(d.count(), ceiling);
    }
    for (int i = 0; i < 100; ++i)
        EXPECT_LE(b.next().count(), 30000);  // no overflow however long it fails
}

TEST(Backoff, ResetStartsOver) {
    Backoff b(milliseconds(500), milliseconds(30000), 1);
    for (int i = 0; i < 5; ++i) b.next();
    b.reset();
    EXPECT_EQ(b.ceiling().count(), 500);
    EXPECT_EQ(b.attempt(), 0);
}

TEST(Backoff, JitterSpreadsAFleet) {
    // Operators cut off together must not come back together: 100 of them
    // at the 5th attempt pick many different delays.
    std::set<std::int64_t> delays;
    for (std::uint64_t seed = 0; seed < 100; ++seed) {
        Backoff b(milliseconds(500), milliseconds(30000), seed);
        for (int i = 0; i < 4; ++i) b.next();
        delays.insert(b.next().count());
    }
    EXPECT_GT(delays.size(), 90u);
}

}  // namespace
}  // namespace sb::op::agent
