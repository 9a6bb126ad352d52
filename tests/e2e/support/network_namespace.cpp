#include "tests/e2e/support/network_namespace.hpp"

#include <fcntl.h>
#include <sched.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string>

#include "tests/support/child_process.hpp"
#include "tests/e2e/support/node_layout.hpp"

namespace sb::e2e {
using testenv::run_command;

NetworkNamespace::NetworkNamespace() {
    const std::string ns(layout::kNetns), bridge(layout::kBridge);
    run_command({"ip", "netns", "add", ns});
    run_command({"ip", "-n", ns, "link", "set", "lo", "up"});
    run_command({"ip", "-n", ns, "link", "add", bridge, "type", "bridge"});
    run_command({"ip", "-n", ns, "addr", "add", std::string(layout::kBridgeCidr), "dev", bridge});
    run_command({"ip", "-n", ns, "link", "set", bridge, "up"});
    original_fd_ = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
    if (original_fd_ < 0) throw std::runtime_error(std::string("open /proc/self/ns/net: ") + std::strerror(errno));
}

NetworkNamespace::~NetworkNamespace() {
    if (inside_) setns(original_fd_, CLONE_NEWNET);
    if (original_fd_ >= 0) close(original_fd_);
}

void NetworkNamespace::enter() {
    int fd = open(std::string(layout::kNetnsFile).c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) throw std::runtime_error("open " + std::string(layout::kNetnsFile) + ": " + std::strerror(errno));
    int rc = setns(fd, CLONE_NEWNET);
    int err = errno;
    close(fd);
    if (rc != 0) throw std::runtime_error(std::string("setns into the e2e namespace: ") + std::strerror(err));
    inside_ = true;
}

void NetworkNamespace::leave() {
    if (!inside_) return;
    if (setns(original_fd_, CLONE_NEWNET) != 0)
        throw std::runtime_error(std::string("setns back to the original namespace: ") + std::strerror(errno));
    inside_ = false;
}

}  // namespace sb::e2e
