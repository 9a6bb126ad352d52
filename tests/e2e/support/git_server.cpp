#include "tests/e2e/support/git_server.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fstream>
#include <stdexcept>

#include "tests/e2e/support/kube_api.hpp"
#include "tests/e2e/support/node_layout.hpp"
#include "tests/support/scratch.hpp"

namespace sb::e2e {
namespace fs = std::filesystem;
using namespace std::chrono_literals;
using testenv::ChildProcess;
using testenv::read_file;
using testenv::run_command;
using testenv::write_file;

namespace {

bool tcp_connects(const std::string& address, int port) {
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    inet_pton(AF_INET, address.c_str(), &addr.sin_addr);
    bool ok = connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
    close(fd);
    return ok;
}

std::string trim(std::string s) {
    while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
    return s;
}

std::vector<std::string> git(const fs::path& dir, std::vector<std::string> args) {
    std::vector<std::string> argv{"git", "-C", dir.string(), "-c", "user.name=e2e", "-c", "user.email=e2e@example.invalid",
                                  "-c", "init.defaultBranch=main"};
    argv.insert(argv.end(), args.begin(), args.end());
    return argv;
}

}  // namespace

GitServer::GitServer(const fs::path& root, const std::string& address) : root_(root), address_(address) {
    fs::create_directories(root_ / "public");
    fs::create_directories(root_ / "private");
    fs::create_directories(root_ / "ssh");
    fs::create_directories(root_ / "work");
    fs::create_directories(root_ / "www/cgi-bin");
    write_file(root_ / "www/cgi-bin/git", "#!/bin/sh\nexport GIT_PROJECT_ROOT=" + (root_ / "public").string() +
                                              " GIT_HTTP_EXPORT_ALL=1\nexec /usr/lib/git-core/git-http-backend\n");
    fs::permissions(root_ / "www/cgi-bin/git", fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                                                    fs::perms::others_read | fs::perms::others_exec);
    http_ = ChildProcess({{"busybox", "httpd", "-f", "-p", address_ + ":" + std::to_string(layout::kGitHttpPort), "-h",
                           (root_ / "www").string()},
                          (root_ / "git-http.log").string()});

    const fs::path host_key = root_ / "ssh/host_ed25519_key";
    run_command({"ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", host_key.string()});
    write_file(root_ / "ssh/authorized_keys", "");
    fs::permissions(root_ / "ssh/authorized_keys", fs::perms::owner_read | fs::perms::owner_write);
    fs::create_directories("/run/sshd");  // privilege separation directory (claimed by the node)
    write_file(root_ / "ssh/sshd_config",
               "ListenAddress " + address_ + ":" + std::to_string(layout::kSshPort) + "\n"
               "HostKey " + host_key.string() + "\n"
               "AuthorizedKeysFile " + (root_ / "ssh/authorized_keys").string() + "\n"
               "PermitRootLogin prohibit-password\n"
               "PasswordAuthentication no\n"
               "KbdInteractiveAuthentication no\n"
               "UsePAM no\n"
               "StrictModes no\n"
               "PidFile none\n"
               "LogLevel VERBOSE\n");
    sshd_ = ChildProcess({{"/usr/sbin/sshd", "-D", "-e", "-f", (root_ / "ssh/sshd_config").string()},
                          (root_ / "sshd.log").string()});
    wait_listening(layout::kGitHttpPort, http_);
    wait_listening(layout::kSshPort, sshd_);
}

GitServer::~GitServer() {
    sshd_.stop();
    http_.stop();
}

void GitServer::wait_listening(int port, ChildProcess& process) {
    wait_until("the git server to listen on " + address_ + ":" + std::to_string(port), 20s, [&] {
        if (!process.running()) throw WaitAborted("git server process exited:\n" + process.log_tail());
        return tcp_connects(address_, port);
    });
}

fs::path GitServer::repo_path(const std::string& name) const {
    auto it = access_.find(name);
    if (it == access_.end()) throw std::invalid_argument("no test repository named " + name);
    return root_ / (it->second == Access::public_ ? "public" : "private") / (name + ".git");
}

void GitServer::create_repository(const std::string& name, Access access) {
    access_[name] = access;
    const fs::path bare = repo_path(name);
    run_command({"git", "init", "-q", "--bare", "--initial-branch=main", bare.string()});
    // Shallow fetches of a commit by hash, as a build of a pinned commit does.
    run_command({"git", "-C", bare.string(), "config", "uploadpack.allowReachableSHA1InWant", "true"});
    run_command({"git", "-C", bare.string(), "config", "uploadpack.allowAnySHA1InWant", "true"});
    const fs::path work = root_ / "work" / name;
    run_command({"git", "clone", "-q", bare.string(), work.string()});
}

std::string GitServer::commit(const std::string& name, const std::map<std::string, std::string>& files,
                              const std::string& message, const std::string& branch) {
    const fs::path work = root_ / "work" / name;
    repo_path(name);  // validates the name
    run_command(git(work, {"checkout", "-q", "-B", branch}));
    for (const auto& [path, content] : files) {
        fs::create_directories((work / path).parent_path());
        write_file(work / path, content);
    }
    run_command(git(work, {"add", "-A"}));
    run_command(git(work, {"commit", "-q", "--allow-empty", "-m", message}));
    run_command(git(work, {"push", "-q", "origin", branch}));
    return trim(run_command(git(work, {"rev-parse", "HEAD"})));
}

std::string GitServer::url(const std::string& name) const {
    if (access_.at(name) == Access::public_)
        return "http://" + address_ + ":" + std::to_string(layout::kGitHttpPort) + "/cgi-bin/git/" + name + ".git";
    return "ssh://root@" + address_ + ":" + std::to_string(layout::kSshPort) + repo_path(name).string();
}

void GitServer::authorize(const std::string& public_key) {
    std::ofstream out(root_ / "ssh/authorized_keys", std::ios::app);
    out << "restrict " << trim(public_key) << "\n";
    if (!out) throw std::runtime_error("cannot authorise the key on the test git server");
}

std::string GitServer::known_hosts_line() const {
    const std::string pub = trim(read_file(root_ / "ssh/host_ed25519_key.pub"));
    // "type key comment" -> "[addr]:port type key"
    auto second_space = pub.find(' ', pub.find(' ') + 1);
    return "[" + address_ + "]:" + std::to_string(layout::kSshPort) + " " + pub.substr(0, second_space);
}

}  // namespace sb::e2e
