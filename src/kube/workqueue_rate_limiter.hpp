#pragma once
// Rate limiters for the work queue, modelled on client-go's workqueue rate
// limiters: per-key exponential back-off with a cap, an overall token bucket,
// and the maximum of several. Time comes from an injectable Clock so that the
// back-off arithmetic is tested without sleeping.
#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

namespace sb::kube {

class Clock {
public:
    using duration = std::chrono::steady_clock::duration;
    using time_point = std::chrono::steady_clock::time_point;
    virtual ~Clock() = default;
    virtual time_point now() const = 0;
};

// The real monotonic clock.
std::shared_ptr<Clock> steady_clock();

// A clock that only moves when told to (for tests).
class ManualClock : public Clock {
public:
    time_point now() const override;
    void advance(duration by);

private:
    mutable std::mutex mutex_;
    time_point now_{std::chrono::hours(1)};
};

class RateLimiter {
public:
    virtual ~RateLimiter() = default;
    // How long to wait before `key` may be processed again; each call counts as one more failure.
    virtual Clock::duration when(const std::string& key) = 0;
    // Stops tracking `key` (it succeeded): its back-off starts over next time.
    virtual void forget(const std::string& key) = 0;
    // How many times `key` has been rate limited since it was last forgotten.
    virtual int num_requeues(const std::string& key) const = 0;
};

// base * 2^failures, capped at max_delay, tracked per key.
class ExponentialBackoffRateLimiter : public RateLimiter {
public:
    ExponentialBackoffRateLimiter(Clock::duration base_delay, Clock::duration max_delay);
    Clock::duration when(const std::string& key) override;
    void forget(const std::string& key) override;
    int num_requeues(const std::string& key) const override;

private:
    Clock::duration base_, max_;
    mutable std::mutex mutex_;
    std::unordered_map<std::string, int> failures_;
};

// An overall token bucket of `burst` tokens refilled at `qps` per second; a
// request that finds the bucket empty reserves the next token and waits for it.
class TokenBucketRateLimiter : public RateLimiter {
public:
    TokenBucketRateLimiter(double qps, int burst, std::shared_ptr<Clock> clock);
    Clock::duration when(const std::string& key) override;
    void forget(const std::string&) override {}
    int num_requeues(const std::string&) const override { return 0; }

private:
    double qps_;
    double burst_;
    std::shared_ptr<Clock> clock_;
    std::mutex mutex_;
    double tokens_;
    Clock::time_point last_;
};

// The longest delay of its members.
class MaxOfRateLimiter : public RateLimiter {
public:
    explicit MaxOfRateLimiter(std::vector<std::shared_ptr<RateLimiter>> limiters);
    Clock::duration when(const std::string& key) override;
    void forget(const std::string& key) override;
    int num_requeues(const std::string& key) const override;

private:
    std::vector<std::shared_ptr<RateLimiter>> limiters_;
};

// client-go's DefaultControllerRateLimiter: 5 ms .. 1000 s per key, and 10 qps / burst 100 overall.
std::shared_ptr<RateLimiter> default_controller_rate_limiter(std::shared_ptr<Clock> clock = steady_clock());

}  // namespace sb::kube
