#include "tests/support/child_process.hpp"

#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>
#include <utility>

namespace sb::testenv {
namespace {

[[noreturn]] void child_exec(const ProcessSpec& spec, pid_t parent, int out_fd) {
    // Die with the parent, even if it is killed with SIGKILL.
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(127);
    setpgid(0, 0);
    if (out_fd >= 0) {
        dup2(out_fd, STDOUT_FILENO);
        dup2(out_fd, STDERR_FILENO);
    }
    int devnull = open("/dev/null", O_RDONLY);
    if (devnull >= 0) dup2(devnull, STDIN_FILENO);
    for (const auto& [k, v] : spec.env) setenv(k.c_str(), v.c_str(), 1);
    if (!spec.run_as_user.empty() && getuid() == 0) {
        passwd* pw = getpwnam(spec.run_as_user.c_str());
        if (pw == nullptr || setgroups(0, nullptr) != 0 || setgid(pw->pw_gid) != 0 ||
            setuid(pw->pw_uid) != 0) {
            dprintf(STDERR_FILENO, "cannot switch to user %s\n", spec.run_as_user.c_str());
            _exit(126);
        }
        // PR_SET_PDEATHSIG is cleared by setuid; set it again.
        prctl(PR_SET_PDEATHSIG, SIGKILL);
    }
    std::vector<char*> argv;
    for (const auto& a : spec.argv) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    execvp(argv[0], argv.data());
    dprintf(STDERR_FILENO, "exec %s: %s\n", argv[0], strerror(errno));
    _exit(127);
}

pid_t spawn(const ProcessSpec& spec) {
    if (spec.argv.empty()) throw std::invalid_argument("ChildProcess: empty argv");
    int out_fd = -1;
    if (!spec.log_file.empty()) {
        out_fd = open(spec.log_file.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
        if (out_fd < 0) throw std::runtime_error("cannot open log " + spec.log_file);
    }
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid < 0) throw std::runtime_error(std::string("fork: ") + strerror(errno));
    if (pid == 0) child_exec(spec, parent, out_fd);
    if (out_fd >= 0) close(out_fd);
    return pid;
}

bool wait_exit(pid_t pid, std::chrono::milliseconds timeout, int* status) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (true) {
        pid_t r = waitpid(pid, status, WNOHANG);
        if (r == pid || (r < 0 && errno == ECHILD)) return true;
        if (std::chrono::steady_clock::now() >= deadline) return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
}

}  // namespace

ChildProcess::ChildProcess(ProcessSpec spec) : spec_(std::move(spec)), pid_(spawn(spec_)) {}

ChildProcess::ChildProcess(ChildProcess&& other) noexcept
    : spec_(std::move(other.spec_)), pid_(std::exchange(other.pid_, -1)) {}

ChildProcess& ChildProcess::operator=(ChildProcess&& other) noexcept {
    if (this != &other) {
        stop();
        spec_ = std::move(other.spec_);
        pid_ = std::exchange(other.pid_, -1);
    }
    return *this;
}

ChildProcess::~ChildProcess() { stop(); }

bool ChildProcess::running() {
    if (pid_ <= 0) return false;
    int status = 0;
    pid_t r = waitpid(pid_, &status, WNOHANG);
    if (r == pid_ || (r < 0 && errno == ECHILD)) {
        if (r == pid_)
            ended_ = WIFSIGNALED(status) ? "killed by signal " + std::to_string(WTERMSIG(status))
                                         : "exited " + std::to_string(WEXITSTATUS(status));
        pid_ = -1;
        return false;
    }
    return true;
}

void ChildProcess::stop(std::chrono::milliseconds grace) {
    if (pid_ <= 0) return;
    int status = 0;
    ::kill(pid_, SIGTERM);
    if (!wait_exit(pid_, grace, &status)) {
        ::kill(-pid_, SIGKILL);
        ::kill(pid_, SIGKILL);
        wait_exit(pid_, std::chrono::seconds(10), &status);
    }
    pid_ = -1;
}

void ChildProcess::kill_hard() {
    if (pid_ <= 0) return;
    int status = 0;
    ::kill(pid_, SIGKILL);
    wait_exit(pid_, std::chrono::seconds(10), &status);
    pid_ = -1;
}

std::string ChildProcess::log_tail(std::size_t max_bytes) const {
    std::ifstream in(spec_.log_file, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    std::string s = ss.str();
    return s.size() > max_bytes ? s.substr(s.size() - max_bytes) : s;
}

std::string run_command(const std::vector<std::string>& argv, const std::string& run_as_user) {
    char tmpl[] = "/tmp/sb-cmd-XXXXXX";
    int fd = mkstemp(tmpl);
    if (fd < 0) throw std::runtime_error("mkstemp failed");
    close(fd);
    if (!run_as_user.empty() && getuid() == 0) {
        if (passwd* pw = getpwnam(run_as_user.c_str())) {
            if (chown(tmpl, pw->pw_uid, pw->pw_gid) != 0) { /* best effort */ }
        }
    }
    ProcessSpec spec{argv, tmpl, {}, run_as_user};
    pid_t pid = spawn(spec);
    int status = 0;
    waitpid(pid, &status, 0);
    std::ifstream in(tmpl);
    std::stringstream out;
    out << in.rdbuf();
    unlink(tmpl);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        std::string cmd;
        for (const auto& a : argv) cmd += a + " ";
        throw std::runtime_error("command failed: " + cmd + "\n" + out.str());
    }
    return out.str();
}

}  // namespace sb::testenv
