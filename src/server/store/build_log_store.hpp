#pragma once
// build_logs: a build's output as its cluster streamed it, in chunks of
// whole lines, kept after the build pod is gone.
#include <string>

#include "server/store/querier.hpp"

namespace sb::server::store {

class BuildLogStore {
public:
    explicit BuildLogStore(Querier q) : q_(q) {}

    asio::awaitable<void> append(std::string build_id, std::string data);
    // The whole log so far.
    asio::awaitable<std::string> read(std::string build_id);
    // A stream that restarts from the pod's first line replaces what was kept.
    asio::awaitable<void> clear(std::string build_id);

private:
    Querier q_;
};

}  // namespace sb::server::store
