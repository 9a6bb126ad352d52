#pragma once
// What the build containers say when they end: the clone step writes
// "key=value" lines (commit, type, image) to its termination message, the
// build step the pushed digest; failures carry the last lines of their log.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "operator/appbuild/build_pod.hpp"

namespace sb::op::appbuild {

struct BuildObservation;

// "key=value" lines of a termination message.
std::optional<std::string> termination_field(std::string_view message, std::string_view key);
// The last `max_lines` lines of a log text (trailing blank lines dropped), at most ~2 KB.
std::string last_lines(std::string_view text, std::size_t max_lines);
// The results of the containers that succeeded (commit, type, image, digest) into o.
void read_results(const std::vector<ContainerView>& containers, BuildObservation& o);

}  // namespace sb::op::appbuild
