#pragma once
// A moment as UTC text (strftime format), for API fields, file names and
// licence dates.
#include <ctime>
#include <string>

namespace sb::server {

inline std::string format_utc(std::time_t moment, const char* format) {
    std::tm tm{};
    gmtime_r(&moment, &tm);
    char buf[64];
    return std::string(buf, std::strftime(buf, sizeof(buf), format, &tm));
}

}  // namespace sb::server
