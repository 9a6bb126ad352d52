#pragma once
// build_logs: a build's output as its cluster streamed it, in chunks of
// whole lines, kept after the build pod is gone.
#include <cstdint>
#include <string>

#include "server/store/querier.hpp"

namespace sb::server::store {

class BuildLogStore {
public:
    explicit BuildLogStore(Querier q) : q_(q) {}

    // Returns the chunk's number (1, 2, ... per build; from 1 again after clear).
    asio::awaitable<std::int64_t> append(std::string build_id, std::string data);
    // The whole log so far.
    asio::awaitable<std::string> read(std::string build_id);
    // The whole log so far and the number of its last chunk (0: none).
    struct Text {
        std::string data;
        std::int64_t last_chunk = 0;
    };
    asio::awaitable<Text> read_numbered(std::string build_id);
    // A stream that restarts from the pod's first line replaces what was kept.
    asio::awaitable<void> clear(std::string build_id);

private:
    Querier q_;
};

}  // namespace sb::server::store
