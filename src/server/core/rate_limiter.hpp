#pragma once
// Counts failures per key (account e-mail, client IP) in a sliding window;
// a key with `limit` failures inside the window is refused until the oldest
// failure leaves it. IO thread only.
#include <chrono>
#include <deque>
#include <string>
#include <unordered_map>

namespace sb::server {

class FailureLimiter {
public:
    using Clock = std::chrono::steady_clock;
    FailureLimiter(int limit, std::chrono::seconds window) : limit_(limit), window_(window) {}
    // Seconds until the key may try again; 0 when allowed now.
    int retry_after(const std::string& key, Clock::time_point now = Clock::now());
    void record_failure(const std::string& key, Clock::time_point now = Clock::now());
    void reset(const std::string& key) { failures_.erase(key); }

private:
    void prune(std::deque<Clock::time_point>& q, Clock::time_point now) const;
    int limit_;
    std::chrono::seconds window_;
    std::unordered_map<std::string, std::deque<Clock::time_point>> failures_;
};

}  // namespace sb::server
