#pragma once
// The bounded queue between an operator's log stream and one API client.
// The agent protocol has no flow control for log streams, so the operator is
// never slowed: a client that reads slower than the app writes loses lines
// instead. At most max_bytes of log text wait here; what arrives beyond that
// is dropped and counted, and the reader finds one marker entry where lines
// went missing (later losses before it catches up add to the same marker).
#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>

namespace sb::server::agent {

class LogQueue {
public:
    struct Entry {
        std::string pod, container;
        std::string data;  // whole lines, as the operator sent them
        std::int64_t dropped_lines = 0;  // > 0: a marker, lines were lost here
    };

    explicit LogQueue(std::size_t max_bytes) : max_bytes_(max_bytes) {}
    void push(std::string pod, std::string container, std::string data);
    std::optional<Entry> pop();
    bool empty() const { return queue_.empty(); }
    std::size_t queued_bytes() const { return queued_bytes_; }

private:
    std::size_t max_bytes_;
    std::deque<Entry> queue_;
    std::size_t queued_bytes_ = 0;
};

}  // namespace sb::server::agent
