#pragma once
// Splits a byte stream into '\n'-terminated lines (the framing of a watch
// response: one JSON event per line). Holds at most one incomplete line, so
// memory stays bounded by the largest event, not by the stream.
#include <cstddef>
#include <functional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace sb::kube {

class LineSplitter {
public:
    explicit LineSplitter(std::size_t max_line = 64 * 1024 * 1024) : max_line_(max_line) {}

    // Calls on_line for each complete line (without the '\n'; a trailing '\r'
    // is removed; empty lines are skipped). Throws std::length_error when a
    // line grows beyond max_line.
    void feed(std::string_view chunk, const std::function<void(std::string_view)>& on_line);
    // The incomplete tail (what was received after the last '\n').
    const std::string& pending() const { return partial_; }
    std::size_t buffered_capacity() const { return partial_.capacity(); }

private:
    std::size_t max_line_;
    std::string partial_;
};

}  // namespace sb::kube
