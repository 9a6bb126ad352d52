#pragma once
// Temporary directories and free loopback ports for test fixtures.
#include <filesystem>
#include <string>

namespace sb::testenv {

// A directory under $TMPDIR named after this process; removed on
// destruction. Directories left by crashed runs (their pid is gone) are
// removed when the next one is created.
class ScratchDir {
public:
    explicit ScratchDir(const std::string& purpose);
    ~ScratchDir();
    ScratchDir(const ScratchDir&) = delete;
    ScratchDir& operator=(const ScratchDir&) = delete;
    const std::filesystem::path& path() const { return path_; }
    std::filesystem::path operator/(const std::string& name) const { return path_ / name; }
    void keep() { keep_ = true; }

private:
    std::filesystem::path path_;
    bool keep_ = false;
};

// A TCP port on 127.0.0.1 that nothing listens on right now.
int free_port();

void write_file(const std::filesystem::path& path, const std::string& content);
std::string read_file(const std::filesystem::path& path);
std::string random_hex(std::size_t bytes);

}  // namespace sb::testenv
