#pragma once
// Unpacks an uploaded source archive (tar, gzip-compressed) into the build's
// workspace. The archive is untrusted: nothing is written outside the
// target directory (no absolute paths, no "..", no path through a symbolic
// link, which is never followed), only regular files, directories and
// symbolic links are made (others are skipped and counted), modes are
// reduced to 0644/0755, and the unpacked size and entry count are bounded.
#include <cstdint>
#include <filesystem>
#include <stdexcept>
#include <string>

namespace sb::op::source {

class UnpackError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

struct UnpackLimits {
    std::uint64_t max_bytes = 4ull << 30;  // the files' bytes together
    std::uint64_t max_entries = 200'000;
};

struct UnpackResult {
    std::uint64_t files = 0, directories = 0, links = 0, skipped = 0;
    std::uint64_t bytes = 0;
};

// Reads the archive from `archive_fd` (from its current position) into
// `into`, an existing directory. Throws UnpackError naming the entry at fault.
UnpackResult unpack_source(int archive_fd, const std::filesystem::path& into, const UnpackLimits& limits = {});

// An entry's path as written below the target, or "" when it must not be
// written: absolute, with a ".." component, empty, or over 4096 bytes.
// "./a//b/" becomes "a/b".
std::string safe_relative_path(std::string_view entry_path);

}  // namespace sb::op::source
