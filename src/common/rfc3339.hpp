#pragma once
// RFC 3339 timestamps as Kubernetes and the API write them: UTC with a "Z",
// whole seconds (metav1.Time) or microseconds (metav1.MicroTime).
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace sb {

using Clock = std::chrono::system_clock;

enum class Precision { seconds, microseconds };

// "2026-12-03T09:30:13Z", or "2026-12-03T09:30:13.123456Z" with microseconds.
std::string format_rfc3339(Clock::time_point moment, Precision precision = Precision::seconds);
std::string now_rfc3339(Precision precision = Precision::seconds);
// Accepts a fraction of any length and "Z" or a numeric offset ("+02:00");
// nullopt for anything else, including trailing bytes.
std::optional<Clock::time_point> parse_rfc3339(std::string_view text);

}  // namespace sb
