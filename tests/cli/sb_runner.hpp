#pragma once
// Runs the real sb binary as a child process, as a user or a script would:
// arguments, environment, standard input; its exit code, stdout and stderr.
// With a pseudo-terminal (forkpty) for the TTY tests.
#include <chrono>
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace sb::cli::testing {

struct SbResult {
    int code = -1;
    std::string out, err;
};

struct SbRun {
    std::vector<std::string> args;
    std::map<std::string, std::string> env;  // set (an empty value unsets)
    std::string stdin_text;
    std::string cwd;
};

SbResult run_sb(const std::string& binary, const SbRun& run);

// Under a pseudo-terminal: `converse` is called with everything read so far
// and returns what to type next ("" for nothing yet); stops at exit.
struct PtyResult {
    int code = -1;
    std::string output;  // the terminal's output, echo included
};
PtyResult run_in_pty(const std::string& binary, const SbRun& run,
                     const std::function<std::string(const std::string& seen)>& converse = {},
                     std::chrono::seconds timeout = std::chrono::seconds(30));

}  // namespace sb::cli::testing
