#include "operator/agent/backoff.hpp"

#include <algorithm>

namespace sb::op::agent {

Backoff::Backoff(Duration base, Duration cap, std::uint64_t seed)
    : base_(base), cap_(cap), random_(seed) {}

Backoff::Duration Backoff::ceiling() const {
    // 2^attempt overflows long before the cap matters: stop doubling at 30.
    const auto doubled = base_.count() << std::min(attempt_, 30);
    return Duration(std::min<std::int64_t>(doubled, cap_.count()));
}

Backoff::Duration Backoff::next() {
    const auto top = ceiling();
    if (attempt_ < 30) ++attempt_;
    std::uniform_int_distribution<std::int64_t> pick(0, top.count());
    return Duration(pick(random_));
}

}  // namespace sb::op::agent
