#pragma once
// Kubernetes resource quantities ("500m", "1.5", "512Mi", "2G", "1e3"), the
// grammar of the CRDs' pattern. Values are kept exactly, in thousandths of
// the unit (millicores for CPU, millibytes for memory), rounded up like the
// API server rounds, so quota sums compare without floating point.
// Pure: the fuzz target and the unit tests use it without a server.
#include <optional>
#include <string>
#include <string_view>

namespace sb::server {

using Milli = __int128;

// Nullopt when `text` is not a quantity or is beyond 10^30 (no cluster has that much).
std::optional<Milli> parse_quantity(std::string_view text);

// For messages: CPU as cores or millicores ("2", "250m"), memory in the
// largest binary (or decimal) unit that divides it exactly ("3Gi", "1536Mi", "1G").
std::string format_cpu(Milli milli);
std::string format_memory(Milli milli);

}  // namespace sb::server
