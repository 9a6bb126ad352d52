// Fuzzes the unpacking of an uploaded source (src/operator/source/
// source_unpack.cpp), which a build pod runs on bytes that came from a user:
// any input must unpack or fail with UnpackError, and nothing may appear
// outside the target directory (it sits alone in a scratch directory that
// must hold only it afterwards).
#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>

#include "operator/source/source_unpack.hpp"

namespace fs = std::filesystem;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const fs::path scratch = [] {
        char pattern[] = "/tmp/sb-fuzz-unpack.XXXXXX";
        if (!::mkdtemp(pattern)) std::abort();
        return fs::path(pattern);
    }();
    const fs::path into = scratch / "src";
    fs::remove_all(into);
    fs::create_directory(into);
    const int fd = ::memfd_create("archive", 0);
    if (fd < 0 || ::write(fd, data, size) != static_cast<ssize_t>(size) || ::lseek(fd, 0, SEEK_SET) != 0) std::abort();
    sb::op::source::UnpackLimits limits;
    limits.max_bytes = 1 << 20;
    limits.max_entries = 1000;
    try {
        sb::op::source::unpack_source(fd, into, limits);
    } catch (const sb::op::source::UnpackError&) {
    }
    ::close(fd);
    for (const auto& entry : fs::directory_iterator(scratch))
        if (entry.path() != into) {
            std::fprintf(stderr, "unpacking wrote %s outside the target directory\n", entry.path().c_str());
            std::abort();
        }
    return 0;
}
