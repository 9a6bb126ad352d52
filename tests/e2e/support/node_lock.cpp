#include "tests/e2e/support/node_lock.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <stdexcept>
#include <string>

#include "tests/e2e/support/node_layout.hpp"

namespace sb::e2e {

NodeLock::NodeLock() {
    const std::string file(layout::kLockFile);
    std::filesystem::create_directories(std::filesystem::path(file).parent_path());
    fd_ = open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd_ < 0) throw std::runtime_error("cannot open " + file + ": " + std::strerror(errno));
    if (flock(fd_, LOCK_EX | LOCK_NB) == 0) return;
    std::cerr << "e2e node: waiting for another run to release " << file << std::endl;
    if (flock(fd_, LOCK_EX) != 0) {
        close(fd_);
        throw std::runtime_error("cannot lock " + file + ": " + std::strerror(errno));
    }
}

NodeLock::~NodeLock() {
    if (fd_ >= 0) close(fd_);
}

}  // namespace sb::e2e
