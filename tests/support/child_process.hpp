#pragma once
// A child process owned by a test fixture. The child is killed when this
// object is destroyed and also when the test process itself dies (the
// kernel sends it SIGKILL through PR_SET_PDEATHSIG), so a crashing test never
// leaves servers behind.
#include <sys/types.h>

#include <chrono>
#include <map>
#include <string>
#include <vector>

namespace sb::testenv {

struct ProcessSpec {
    std::vector<std::string> argv;
    std::string log_file;                       // stdout and stderr go here
    std::map<std::string, std::string> env;     // added to the inherited environment
    std::string run_as_user;                    // when root: drop to this user (PostgreSQL refuses root)
};

class ChildProcess {
public:
    ChildProcess() = default;
    explicit ChildProcess(ProcessSpec spec);
    ChildProcess(ChildProcess&& other) noexcept;
    ChildProcess& operator=(ChildProcess&& other) noexcept;
    ChildProcess(const ChildProcess&) = delete;
    ChildProcess& operator=(const ChildProcess&) = delete;
    ~ChildProcess();

    pid_t pid() const { return pid_; }
    bool running();
    // How the last child ended, once running() or stop() saw it end ("exited 0", "killed by signal 11"); "" before.
    const std::string& how_it_ended() const { return ended_; }
    // SIGTERM, then SIGKILL after the grace period. Idempotent.
    void stop(std::chrono::milliseconds grace = std::chrono::seconds(5));
    // SIGKILL without grace (to simulate a crash).
    void kill_hard();
    const std::string& log_file() const { return spec_.log_file; }
    std::string log_tail(std::size_t max_bytes = 4000) const;

private:
    ProcessSpec spec_;
    pid_t pid_ = -1;
    std::string ended_;
};

// Runs a command to completion; throws with its output when it fails.
std::string run_command(const std::vector<std::string>& argv, const std::string& run_as_user = {});

}  // namespace sb::testenv
