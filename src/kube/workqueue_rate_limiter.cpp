#include "kube/workqueue_rate_limiter.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace sb::kube {

namespace {

class SteadyClock : public Clock {
public:
    time_point now() const override { return std::chrono::steady_clock::now(); }
};

}  // namespace

std::shared_ptr<Clock> steady_clock() {
    static const auto clock = std::make_shared<SteadyClock>();
    return clock;
}

Clock::time_point ManualClock::now() const {
    std::lock_guard lock(mutex_);
    return now_;
}

void ManualClock::advance(duration by) {
    std::lock_guard lock(mutex_);
    now_ += by;
}

ExponentialBackoffRateLimiter::ExponentialBackoffRateLimiter(Clock::duration base_delay, Clock::duration max_delay)
    : base_(base_delay), max_(max_delay) {
    if (base_delay <= Clock::duration::zero() || max_delay < base_delay)
        throw std::invalid_argument("exponential back-off needs 0 < base delay <= max delay");
}

Clock::duration ExponentialBackoffRateLimiter::when(const std::string& key) {
    int exponent;
    {
        std::lock_guard lock(mutex_);
        exponent = failures_[key]++;
    }
    // Floating point: 2^exponent overflows integer ticks long before the cap stops mattering.
    const double delay = static_cast<double>(base_.count()) * std::pow(2.0, exponent);
    if (delay >= static_cast<double>(max_.count())) return max_;
    return Clock::duration(static_cast<Clock::duration::rep>(delay));
}

void ExponentialBackoffRateLimiter::forget(const std::string& key) {
    std::lock_guard lock(mutex_);
    failures_.erase(key);
}

int ExponentialBackoffRateLimiter::num_requeues(const std::string& key) const {
    std::lock_guard lock(mutex_);
    auto it = failures_.find(key);
    return it == failures_.end() ? 0 : it->second;
}

TokenBucketRateLimiter::TokenBucketRateLimiter(double qps, int burst, std::shared_ptr<Clock> clock)
    : qps_(qps), burst_(burst), clock_(std::move(clock)), tokens_(burst), last_(clock_->now()) {
    if (qps <= 0 || burst < 1) throw std::invalid_argument("token bucket needs qps > 0 and burst >= 1");
}

Clock::duration TokenBucketRateLimiter::when(const std::string&) {
    std::lock_guard lock(mutex_);
    const auto now = clock_->now();
    const double elapsed = std::chrono::duration<double>(now - last_).count();
    last_ = now;
    tokens_ = std::min(burst_, tokens_ + elapsed * qps_);
    tokens_ -= 1.0;  // reserve a token, possibly one that is not there yet
    if (tokens_ >= 0) return Clock::duration::zero();
    return std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(-tokens_ / qps_));
}

MaxOfRateLimiter::MaxOfRateLimiter(std::vector<std::shared_ptr<RateLimiter>> limiters) : limiters_(std::move(limiters)) {
    if (limiters_.empty()) throw std::invalid_argument("max-of rate limiter needs at least one limiter");
}

Clock::duration MaxOfRateLimiter::when(const std::string& key) {
    Clock::duration longest = Clock::duration::zero();
    for (auto& l : limiters_) longest = std::max(longest, l->when(key));
    return longest;
}

void MaxOfRateLimiter::forget(const std::string& key) {
    for (auto& l : limiters_) l->forget(key);
}

int MaxOfRateLimiter::num_requeues(const std::string& key) const {
    int most = 0;
    for (const auto& l : limiters_) most = std::max(most, l->num_requeues(key));
    return most;
}

std::shared_ptr<RateLimiter> default_controller_rate_limiter(std::shared_ptr<Clock> clock) {
    using namespace std::chrono_literals;
    return std::make_shared<MaxOfRateLimiter>(std::vector<std::shared_ptr<RateLimiter>>{
        std::make_shared<ExponentialBackoffRateLimiter>(5ms, 1000s),
        std::make_shared<TokenBucketRateLimiter>(10.0, 100, std::move(clock))});
}

}  // namespace sb::kube
