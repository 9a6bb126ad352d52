#pragma once
// `sb push --path DIR`: the directory packed as a gzip-compressed tar
// (libarchive, pax format) the server relays to the app's cluster. Entries
// are regular files, directories and symbolic links, in name order, with
// paths relative to DIR, no owner names or ids, and the modes a build needs
// (0755 for executables and directories, 0644 otherwise); what the ignore
// rules (ignore_rules.hpp) leave out is not read at all.
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace sb::cli {

struct PackedSource {
    // The archive, in an anonymous temporary file positioned at its start.
    std::unique_ptr<std::FILE, int (*)(std::FILE*)> file{nullptr, &std::fclose};
    std::uint64_t bytes = 0;
    std::uint64_t files = 0;
    std::uint64_t ignored = 0;  // entries left out by the ignore rules (an ignored directory counts once)
};

// Throws CliError naming the path when DIR is missing, is no directory,
// holds nothing to upload, or a file cannot be read.
PackedSource pack_source(const std::filesystem::path& dir);

// The relative paths pack_source would put in the archive, in its order
// (directories with a trailing '/'): what `sb push --path` shows with --verbose, and tests.
std::vector<std::string> source_entries(const std::filesystem::path& dir);

}  // namespace sb::cli
