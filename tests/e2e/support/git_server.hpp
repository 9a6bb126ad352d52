#pragma once
// A git server on the e2e node's bridge: public repositories over smart
// HTTP (busybox httpd running git-http-backend as CGI:
// http://<bridge>:8418/cgi-bin/git/NAME.git, shallow fetches work), private
// ones over SSH (sshd, ssh://root@<bridge>:2222/...) for the keys
// authorised with authorize(). Repositories are bare, under the node's
// directories (removed with the node). Start it after the node: its
// daemons run in the node's network namespace.
#include <filesystem>
#include <map>
#include <string>

#include "tests/support/child_process.hpp"

namespace sb::e2e {

class GitServer {
public:
    enum class Access { public_, private_ };

    GitServer(const std::filesystem::path& root, const std::string& address);
    ~GitServer();
    GitServer(const GitServer&) = delete;
    GitServer& operator=(const GitServer&) = delete;

    // A new bare repository with an initial empty history; fetching any
    // reachable commit by hash is allowed (shallow clones of a commit).
    void create_repository(const std::string& name, Access access);
    // Commits `files` (path -> content, other files kept) on `branch`
    // and pushes; returns the commit hash.
    std::string commit(const std::string& name, const std::map<std::string, std::string>& files,
                       const std::string& message, const std::string& branch = "main");
    std::string url(const std::string& name) const;  // http:// or ssh:// depending on access
    // Lets the holder of this OpenSSH public key read private repositories.
    void authorize(const std::string& public_key);
    // A known_hosts line for the SSH server.
    std::string known_hosts_line() const;

private:
    std::filesystem::path repo_path(const std::string& name) const;
    void wait_listening(int port, testenv::ChildProcess& process);

    std::filesystem::path root_;
    std::string address_;
    std::map<std::string, Access> access_;
    testenv::ChildProcess http_, sshd_;
};

}  // namespace sb::e2e
