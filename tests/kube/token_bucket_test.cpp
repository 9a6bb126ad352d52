#include "kube/rate_limiter.hpp"

#include <gtest/gtest.h>

namespace sb::kube {
namespace {

using namespace std::chrono_literals;

struct FakeClock {
    TokenBucket::Clock::time_point now{};
    TokenBucket::NowFunc func() {
        return [this] { return now; };
    }
};

TEST(TokenBucket, BurstIsFreeThenRequestsAreSpacedByQps) {
    FakeClock clock;
    TokenBucket bucket(10.0, 3, clock.func());
    EXPECT_EQ(bucket.reserve(), 0ns);
    EXPECT_EQ(bucket.reserve(), 0ns);
    EXPECT_EQ(bucket.reserve(), 0ns);
    EXPECT_EQ(bucket.reserve(), 100ms);
    EXPECT_EQ(bucket.reserve(), 200ms);
}

TEST(TokenBucket, RefillsOverTimeUpToBurst) {
    FakeClock clock;
    TokenBucket bucket(2.0, 4, clock.func());
    for (int i = 0; i < 4; ++i) EXPECT_TRUE(bucket.try_take());
    EXPECT_FALSE(bucket.try_take());
    clock.now += 500ms;
    EXPECT_TRUE(bucket.try_take());
    EXPECT_FALSE(bucket.try_take());
    clock.now += 1h;
    EXPECT_DOUBLE_EQ(bucket.available_tokens(), 4.0);
}

TEST(TokenBucket, DebtIsRepaidBeforeNewTokens) {
    FakeClock clock;
    TokenBucket bucket(1.0, 1, clock.func());
    EXPECT_EQ(bucket.reserve(), 0ns);
    EXPECT_EQ(bucket.reserve(), 1s);
    EXPECT_EQ(bucket.reserve(), 2s);
    clock.now += 2s;  // the two waiters have used their slots
    EXPECT_EQ(bucket.reserve(), 1s);
}

TEST(TokenBucket, ZeroQpsIsUnlimited) {
    FakeClock clock;
    TokenBucket bucket(0.0, 1, clock.func());
    for (int i = 0; i < 1000; ++i) EXPECT_EQ(bucket.reserve(), 0ns);
}

}  // namespace
}  // namespace sb::kube
