#include "operator/agent/status_outbox.hpp"

namespace sb::op::agent {

void StatusOutbox::put(sb::agent::Status status) {
    auto key = key_of(status.object);
    auto [it, inserted] = pending_.insert_or_assign(key, std::move(status));
    if (inserted) order_.push_back(std::move(key));
}

std::optional<sb::agent::Status> StatusOutbox::take() {
    if (order_.empty()) return std::nullopt;
    auto node = pending_.extract(order_.front());
    order_.pop_front();
    return std::move(node.mapped());
}

void StatusOutbox::clear() {
    pending_.clear();
    order_.clear();
}

}  // namespace sb::op::agent
