#pragma once
// Following a build: its stored log so far, then its live log from the event
// WebSocket (build:<id>, "build.log" events) until it completes or fails.
#include <boost/json/value.hpp>

#include <functional>
#include <string>
#include <string_view>

#include "cli/invocation.hpp"

namespace sb::cli {

// Prints the log to stdout as it comes; returns the build's final object.
boost::json::value follow_build(Invocation& inv, const std::string& builds_path, const std::string& build_id,
                                const std::function<void(std::string_view phase)>& on_phase = {});

// Drops the start of live chunks the stored log already held (the log read
// after subscribing may contain the first live chunks). No I/O; unit-tested.
class LogJoiner {
public:
    explicit LogJoiner(std::string stored) : stored_(std::move(stored)) {}
    // What of `chunk` is new.
    std::string_view fresh(std::string_view chunk);

private:
    std::string stored_;
    std::size_t matched_ = std::string::npos;  // where the live chunks start in stored_, once known
    bool past_ = false;
};

bool build_finished(std::string_view phase);

}  // namespace sb::cli
