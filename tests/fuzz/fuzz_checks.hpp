#pragma once
// What every fuzz target asserts: bad input may only ever end in an ApiError
// with a 4xx status (what the server would answer); an invalid_field error
// names its field. Anything else escaping (another exception, a 5xx) would
// be a 500 or a crash in the server, so it aborts and libFuzzer reports it.
#include <cstdio>
#include <cstdlib>

#include "server/core/api_error.hpp"

namespace sb::server::fuzz {

inline void check_client_error(const ApiError& e) {
    bool ok = e.status() >= 400 && e.status() < 500 && !e.code().empty() && std::string_view(e.what()).size() > 0 &&
              (e.code() != "invalid_field" || !e.field().empty());
    if (!ok) {
        std::fprintf(stderr, "bad ApiError: status %d code %s field '%s': %s\n", e.status(), e.code().c_str(),
                     e.field().c_str(), e.what());
        std::abort();
    }
}

}  // namespace sb::server::fuzz
