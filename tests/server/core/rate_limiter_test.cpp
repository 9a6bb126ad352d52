// The sign-in failure limiter.
#include <gtest/gtest.h>

#include "server/core/rate_limiter.hpp"

namespace sb::server {
namespace {

TEST(FailureLimiter, BlocksAfterLimitUntilWindowPasses) {
    FailureLimiter limiter(3, std::chrono::seconds(60));
    auto t0 = FailureLimiter::Clock::time_point{} + std::chrono::hours(1);
    for (int i = 0; i < 3; ++i) {
        EXPECT_EQ(limiter.retry_after("k", t0), 0);
        limiter.record_failure("k", t0);
    }
    EXPECT_EQ(limiter.retry_after("k", t0 + std::chrono::seconds(10)), 50);
    EXPECT_EQ(limiter.retry_after("other", t0), 0);
    EXPECT_EQ(limiter.retry_after("k", t0 + std::chrono::seconds(60)), 0);
}

}  // namespace
}  // namespace sb::server
