#pragma once
// Refuses a configuration the server cannot start with, naming the flag (and
// its SB_* variable) and what it expects, before anything is opened.
#include "server/core/config.hpp"

namespace sb::server {

// Throws std::invalid_argument with a message naming the flag.
void check_config(const Config& config);

}  // namespace sb::server
