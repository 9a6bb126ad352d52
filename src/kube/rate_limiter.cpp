#include "kube/rate_limiter.hpp"

#include <algorithm>

namespace sb::kube {

TokenBucket::TokenBucket(double qps, int burst, NowFunc now)
    : qps_(qps), burst_(std::max(1, burst)), now_(std::move(now)), tokens_(burst_), last_(now_()) {}

void TokenBucket::refill_locked(Clock::time_point now) const {
    if (now <= last_) return;
    double elapsed = std::chrono::duration<double>(now - last_).count();
    tokens_ = std::min(burst_, tokens_ + elapsed * qps_);
    last_ = now;
}

std::chrono::nanoseconds TokenBucket::reserve() {
    if (qps_ <= 0) return std::chrono::nanoseconds::zero();
    std::lock_guard lock(mutex_);
    refill_locked(now_());
    tokens_ -= 1.0;  // may go negative: the debt is paid by waiting
    if (tokens_ >= 0) return std::chrono::nanoseconds::zero();
    return std::chrono::nanoseconds(static_cast<std::int64_t>(-tokens_ / qps_ * 1e9));
}

bool TokenBucket::try_take() {
    if (qps_ <= 0) return true;
    std::lock_guard lock(mutex_);
    refill_locked(now_());
    if (tokens_ < 1.0) return false;
    tokens_ -= 1.0;
    return true;
}

double TokenBucket::available_tokens() const {
    std::lock_guard lock(mutex_);
    refill_locked(now_());
    return tokens_;
}

}  // namespace sb::kube
