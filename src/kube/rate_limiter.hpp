#pragma once
// Token bucket (client-go's flowcontrol.NewTokenBucketRateLimiter): `burst`
// tokens, refilled at `qps` per second. reserve() takes a token and says how
// long the caller must wait before using it. The clock is injectable so the
// arithmetic can be tested without sleeping.
#include <chrono>
#include <functional>
#include <mutex>

namespace sb::kube {

class TokenBucket {
public:
    using Clock = std::chrono::steady_clock;
    using NowFunc = std::function<Clock::time_point()>;

    // qps <= 0 means unlimited.
    TokenBucket(double qps, int burst, NowFunc now = [] { return Clock::now(); });

    // Takes one token; returns the delay before it may be used (zero when a
    // token was available).
    std::chrono::nanoseconds reserve();
    // Takes one token only when available right now.
    bool try_take();
    double available_tokens() const;

private:
    void refill_locked(Clock::time_point now) const;

    double qps_;
    double burst_;
    NowFunc now_;
    mutable std::mutex mutex_;
    mutable double tokens_;
    mutable Clock::time_point last_;
};

}  // namespace sb::kube
