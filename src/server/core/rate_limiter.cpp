#include "server/core/rate_limiter.hpp"

namespace sb::server {

void FailureLimiter::prune(std::deque<Clock::time_point>& q, Clock::time_point now) const {
    while (!q.empty() && now - q.front() >= window_) q.pop_front();
}

int FailureLimiter::retry_after(const std::string& key, Clock::time_point now) {
    auto it = failures_.find(key);
    if (it == failures_.end()) return 0;
    prune(it->second, now);
    if (it->second.empty()) {
        failures_.erase(it);
        return 0;
    }
    if (static_cast<int>(it->second.size()) < limit_) return 0;
    auto wait = std::chrono::duration_cast<std::chrono::seconds>(it->second.front() + window_ - now).count();
    return static_cast<int>(std::max<long long>(1, wait));
}

void FailureLimiter::record_failure(const std::string& key, Clock::time_point now) {
    // Bound memory under a spray of distinct keys: forget expired entries.
    if (failures_.size() > 100000)
        for (auto it = failures_.begin(); it != failures_.end();) {
            prune(it->second, now);
            it = it->second.empty() ? failures_.erase(it) : std::next(it);
        }
    auto& q = failures_[key];
    prune(q, now);
    q.push_back(now);
}

}  // namespace sb::server
