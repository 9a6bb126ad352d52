#pragma once
// Debian's docker-registry (distribution 2.8) on a free loopback port, plain
// HTTP with one htpasswd user, as scripts/run runs it: the registry apps of
// the stack tests push to, and where the operator stores uploaded sources.
#include <string>

#include "tests/support/child_process.hpp"
#include "tests/support/scratch.hpp"

namespace sb::stacktest {

class LocalRegistry {
public:
    LocalRegistry();  // starts it and waits until it asks for a login; throws when it cannot
    const std::string& host() const { return host_; }  // 127.0.0.1:<port>
    const std::string& user() const { return user_; }
    const std::string& password() const { return password_; }
    // GET http://<host><path> with the login; the body, or throws with the status.
    std::string get(const std::string& path, const std::string& accept = "") const;
    // The HTTP status of GET (or HEAD) <path> with the login.
    int status(const std::string& path, bool head = false) const;

private:
    testenv::ScratchDir dir_{"registry"};
    std::string host_, user_ = "shapeblock", password_;
    testenv::ChildProcess process_;
};

}  // namespace sb::stacktest
