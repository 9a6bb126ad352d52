#include "tests/cli/sb_runner.hpp"

#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <stdexcept>

namespace sb::cli::testing {

namespace {

[[noreturn]] void exec_child(const std::string& binary, const SbRun& run) {
    for (const auto& [k, v] : run.env) {
        if (v.empty()) ::unsetenv(k.c_str());
        else ::setenv(k.c_str(), v.c_str(), 1);
    }
    if (!run.cwd.empty() && ::chdir(run.cwd.c_str()) != 0) ::_exit(126);
    std::vector<char*> argv{const_cast<char*>(binary.c_str())};
    for (const auto& a : run.args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    ::execv(binary.c_str(), argv.data());
    ::_exit(127);
}

int exit_code(int status) { return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status); }

}  // namespace

SbResult run_sb(const std::string& binary, const SbRun& run) {
    int in[2], out[2], err[2];
    if (::pipe(in) || ::pipe(out) || ::pipe(err)) throw std::runtime_error("pipe failed");
    pid_t pid = ::fork();
    if (pid == 0) {
        ::dup2(in[0], 0);
        ::dup2(out[1], 1);
        ::dup2(err[1], 2);
        for (int fd : {in[0], in[1], out[0], out[1], err[0], err[1]}) ::close(fd);
        exec_child(binary, run);
    }
    ::close(in[0]);
    ::close(out[1]);
    ::close(err[1]);
    ::signal(SIGPIPE, SIG_IGN);
    if (!run.stdin_text.empty()) (void)!::write(in[1], run.stdin_text.data(), run.stdin_text.size());
    ::close(in[1]);
    SbResult result;
    pollfd fds[2] = {{out[0], POLLIN, 0}, {err[0], POLLIN, 0}};
    int open_fds = 2;
    char buffer[8192];
    while (open_fds > 0) {
        if (::poll(fds, 2, 60'000) <= 0) break;
        for (int i = 0; i < 2; ++i) {
            if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP))) continue;
            ssize_t n = ::read(fds[i].fd, buffer, sizeof buffer);
            if (n <= 0) {
                ::close(fds[i].fd);
                fds[i].fd = -1;
                --open_fds;
            } else {
                (i == 0 ? result.out : result.err).append(buffer, static_cast<std::size_t>(n));
            }
        }
    }
    int status = 0;
    ::waitpid(pid, &status, 0);
    result.code = exit_code(status);
    return result;
}

PtyResult run_in_pty(const std::string& binary, const SbRun& run, const std::function<std::string(const std::string&)>& converse,
                     std::chrono::seconds timeout) {
    int master = -1;
    winsize size{24, 120, 0, 0};
    pid_t pid = ::forkpty(&master, nullptr, nullptr, &size);
    if (pid < 0) throw std::runtime_error("forkpty failed");
    if (pid == 0) exec_child(binary, run);
    PtyResult result;
    auto deadline = std::chrono::steady_clock::now() + timeout;
    char buffer[4096];
    while (std::chrono::steady_clock::now() < deadline) {
        pollfd p{master, POLLIN, 0};
        int ready = ::poll(&p, 1, 100);
        if (ready > 0) {
            ssize_t n = ::read(master, buffer, sizeof buffer);
            if (n <= 0) break;  // EIO: the child closed the terminal
            result.output.append(buffer, static_cast<std::size_t>(n));
        }
        if (converse) {
            auto typed = converse(result.output);
            if (!typed.empty()) (void)!::write(master, typed.data(), typed.size());
        }
    }
    int status = 0;
    if (::waitpid(pid, &status, WNOHANG) == 0) {
        ::kill(pid, SIGKILL);
        ::waitpid(pid, &status, 0);
    }
    ::close(master);
    result.code = exit_code(status);
    return result;
}

}  // namespace sb::cli::testing
