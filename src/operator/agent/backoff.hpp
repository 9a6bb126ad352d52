#pragma once
// Reconnect delays: capped exponential back-off with full jitter (AWS
// architecture blog, "Exponential Backoff And Jitter"): the n-th retry waits a
// random time in [0, min(cap, base * 2^n)], so a fleet of operators cut off
// together does not come back in lock-step.
#include <chrono>
#include <random>

namespace sb::op::agent {

class Backoff {
  public:
    using Duration = std::chrono::milliseconds;

    Backoff(Duration base, Duration cap, std::uint64_t seed = std::random_device{}());

    Duration next();           // the delay before the next attempt
    Duration ceiling() const;  // the upper end of that delay's range
    void reset() { attempt_ = 0; }
    int attempt() const { return attempt_; }

  private:
    Duration base_, cap_;
    int attempt_ = 0;
    std::mt19937_64 random_;
};

}  // namespace sb::op::agent
