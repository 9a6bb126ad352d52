#include "server/agent/log_queue.hpp"

#include <algorithm>

namespace sb::server::agent {

void LogQueue::push(std::string pod, std::string container, std::string data) {
    if (data.empty()) return;
    if (queued_bytes_ + data.size() > max_bytes_) {
        auto lines = std::max<std::int64_t>(1, std::count(data.begin(), data.end(), '\n'));
        if (queue_.empty() || queue_.back().dropped_lines == 0) queue_.push_back(Entry{std::move(pod), std::move(container), "", 0});
        queue_.back().dropped_lines += lines;
        return;
    }
    queued_bytes_ += data.size();
    queue_.push_back(Entry{std::move(pod), std::move(container), std::move(data), 0});
}

std::optional<LogQueue::Entry> LogQueue::pop() {
    if (queue_.empty()) return std::nullopt;
    auto entry = std::move(queue_.front());
    queue_.pop_front();
    queued_bytes_ -= entry.data.size();
    return entry;
}

}  // namespace sb::server::agent
