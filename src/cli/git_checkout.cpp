#include "cli/git_checkout.hpp"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <initializer_list>
#include <vector>
#include <cstdio>

namespace sb::cli {

namespace {

// stdout of `git -C dir args...` without its trailing newline; nothing when it fails.
std::optional<std::string> git(const std::string& dir, std::initializer_list<const char*> args) {
    int fds[2];
    if (::pipe(fds) != 0) return std::nullopt;
    pid_t pid = ::fork();
    if (pid < 0) return std::nullopt;
    if (pid == 0) {
        ::dup2(fds[1], STDOUT_FILENO);
        int null = ::open("/dev/null", O_WRONLY);
        if (null >= 0) ::dup2(null, STDERR_FILENO);
        ::close(fds[0]);
        ::close(fds[1]);
        std::vector<const char*> argv{"git", "-C", dir.c_str()};
        argv.insert(argv.end(), args.begin(), args.end());
        argv.push_back(nullptr);
        ::execvp("git", const_cast<char* const*>(argv.data()));
        ::_exit(127);
    }
    ::close(fds[1]);
    std::string out;
    std::array<char, 4096> buffer;
    ssize_t n;
    while ((n = ::read(fds[0], buffer.data(), buffer.size())) > 0) out.append(buffer.data(), static_cast<std::size_t>(n));
    ::close(fds[0]);
    int status = 0;
    ::waitpid(pid, &status, 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) return std::nullopt;
    while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
    return out;
}

}  // namespace

std::optional<GitState> read_git_state(const std::string& dir) {
    auto inside = git(dir, {"rev-parse", "--is-inside-work-tree"});
    if (!inside || *inside != "true") return std::nullopt;
    GitState state;
    state.head = git(dir, {"rev-parse", "HEAD"}).value_or("");
    auto branch = git(dir, {"symbolic-ref", "--short", "-q", "HEAD"});
    state.branch = branch.value_or("");
    state.upstream = git(dir, {"rev-parse", "@{u}"}).value_or("");
    auto changes = git(dir, {"status", "--porcelain", "--untracked-files=no"});
    state.dirty = changes && !changes->empty();
    return state;
}

std::string push_warning(const GitState& state, const std::string& app_branch) {
    if (state.head.empty()) return "this checkout has no commit yet";
    if (!state.branch.empty() && !app_branch.empty() && state.branch != app_branch)
        return "you are on branch " + state.branch + " but the app builds " + app_branch + "; the build uses commit " +
               state.head.substr(0, 12) + " only if the server's repository has it";
    if (state.upstream.empty())
        return "branch " + (state.branch.empty() ? std::string("(detached)") : state.branch) +
               " has no upstream: push it first, the server builds from the repository, not from this checkout";
    if (state.upstream != state.head)
        return "HEAD (" + state.head.substr(0, 12) + ") is not what is pushed (" + state.upstream.substr(0, 12) +
               "): git push first, or the build fails or builds the pushed commit";
    if (state.dirty) return "uncommitted changes are not part of the build";
    return "";
}

}  // namespace sb::cli
