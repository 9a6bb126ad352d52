#include "kube/workqueue_rate_limiter.hpp"

#include <gtest/gtest.h>

using namespace std::chrono_literals;
using sb::kube::Clock;

namespace {

Clock::duration ms(long n) { return std::chrono::duration_cast<Clock::duration>(std::chrono::milliseconds(n)); }

}  // namespace

TEST(ExponentialBackoffRateLimiter, DoublesPerFailureUpToTheCap) {
    sb::kube::ExponentialBackoffRateLimiter limiter(5ms, 100ms);
    EXPECT_EQ(limiter.when("a"), ms(5));
    EXPECT_EQ(limiter.when("a"), ms(10));
    EXPECT_EQ(limiter.when("a"), ms(20));
    EXPECT_EQ(limiter.when("a"), ms(40));
    EXPECT_EQ(limiter.when("a"), ms(80));
    EXPECT_EQ(limiter.when("a"), ms(100));
    EXPECT_EQ(limiter.when("a"), ms(100));
    EXPECT_EQ(limiter.num_requeues("a"), 7);
}

TEST(ExponentialBackoffRateLimiter, TracksKeysSeparatelyAndForgets) {
    sb::kube::ExponentialBackoffRateLimiter limiter(1ms, 1s);
    limiter.when("a");
    limiter.when("a");
    EXPECT_EQ(limiter.when("b"), ms(1));
    EXPECT_EQ(limiter.num_requeues("a"), 2);
    limiter.forget("a");
    EXPECT_EQ(limiter.num_requeues("a"), 0);
    EXPECT_EQ(limiter.when("a"), ms(1));
}

TEST(ExponentialBackoffRateLimiter, HugeFailureCountsStayAtTheCap) {
    sb::kube::ExponentialBackoffRateLimiter limiter(5ms, 1000s);
    Clock::duration last{};
    for (int i = 0; i < 2000; ++i) last = limiter.when("k");
    EXPECT_EQ(last, std::chrono::duration_cast<Clock::duration>(1000s));
}

TEST(ExponentialBackoffRateLimiter, RejectsNonsense) {
    EXPECT_THROW(sb::kube::ExponentialBackoffRateLimiter(0ms, 1s), std::invalid_argument);
    EXPECT_THROW(sb::kube::ExponentialBackoffRateLimiter(2s, 1s), std::invalid_argument);
}

TEST(TokenBucketRateLimiter, BurstIsFreeThenOneTokenPerInterval) {
    auto clock = std::make_shared<sb::kube::ManualClock>();
    sb::kube::TokenBucketRateLimiter limiter(10.0, 3, clock);
    EXPECT_EQ(limiter.when("a"), Clock::duration::zero());
    EXPECT_EQ(limiter.when("b"), Clock::duration::zero());
    EXPECT_EQ(limiter.when("c"), Clock::duration::zero());
    // Empty bucket: each further request reserves the next token, 100 ms apart.
    EXPECT_EQ(limiter.when("d"), ms(100));
    EXPECT_EQ(limiter.when("e"), ms(200));
    clock->advance(ms(200));
    EXPECT_EQ(limiter.when("f"), ms(100));
}

TEST(TokenBucketRateLimiter, RefillsUpToBurstOnly) {
    auto clock = std::make_shared<sb::kube::ManualClock>();
    sb::kube::TokenBucketRateLimiter limiter(1.0, 2, clock);
    clock->advance(1h);
    EXPECT_EQ(limiter.when("a"), Clock::duration::zero());
    EXPECT_EQ(limiter.when("a"), Clock::duration::zero());
    EXPECT_EQ(limiter.when("a"), ms(1000));
}

TEST(TokenBucketRateLimiter, RejectsNonsense) {
    auto clock = std::make_shared<sb::kube::ManualClock>();
    EXPECT_THROW(sb::kube::TokenBucketRateLimiter(0.0, 1, clock), std::invalid_argument);
    EXPECT_THROW(sb::kube::TokenBucketRateLimiter(1.0, 0, clock), std::invalid_argument);
}

TEST(MaxOfRateLimiter, TakesTheLongestDelay) {
    auto clock = std::make_shared<sb::kube::ManualClock>();
    sb::kube::MaxOfRateLimiter limiter({std::make_shared<sb::kube::ExponentialBackoffRateLimiter>(5ms, 1s),
                                        std::make_shared<sb::kube::TokenBucketRateLimiter>(1.0, 1, clock)});
    EXPECT_EQ(limiter.when("a"), ms(5));     // the bucket had a token: back-off wins
    EXPECT_EQ(limiter.when("b"), ms(1000));  // the bucket is empty: wait for the next token
    EXPECT_EQ(limiter.num_requeues("a"), 1);
    limiter.forget("a");
    EXPECT_EQ(limiter.num_requeues("a"), 0);
}

TEST(DefaultControllerRateLimiter, MatchesClientGo) {
    auto clock = std::make_shared<sb::kube::ManualClock>();
    auto limiter = sb::kube::default_controller_rate_limiter(clock);
    EXPECT_EQ(limiter->when("a"), ms(5));
    EXPECT_EQ(limiter->when("a"), ms(10));
    // 100 burst tokens in all; the 101st request in the same instant waits 100 ms.
    for (int i = 0; i < 98; ++i) limiter->when("k" + std::to_string(i));
    EXPECT_EQ(limiter->when("z"), ms(100));
}
