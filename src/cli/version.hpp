#pragma once
// sb's version (the project's, set by CMake) and the API version it speaks.
#ifndef SB_VERSION
#define SB_VERSION "dev"
#endif

#include <string>

namespace sb::cli {

inline constexpr const char* kClientVersion = SB_VERSION;
inline constexpr const char* kApiVersion = "v1";

// "" when compatible; else the warning sb version prints.
std::string compatibility_warning(const std::string& client, const std::string& server, const std::string& server_api);

}  // namespace sb::cli
