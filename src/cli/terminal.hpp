#pragma once
// The terminal: whether to colour, prompts (the password without echo) and
// a spinner for long operations, shown only on a TTY.
#include <atomic>
#include <string>
#include <thread>

namespace sb::cli {

bool is_tty(int fd);
// Colour on stdout: a TTY, NO_COLOR unset (any value disables), TERM not "dumb", no --no-color.
bool want_color(bool no_color_flag);

// Reads a line from the terminal (/dev/tty, else stdin); echo off when `secret`.
std::string prompt(const std::string& question, bool secret);

// A spinner on stderr while an operation runs; nothing unless stderr is a TTY.
class Spinner {
public:
    explicit Spinner(std::string message);
    ~Spinner();
    Spinner(const Spinner&) = delete;
    Spinner& operator=(const Spinner&) = delete;
    void update(std::string message);
    // Clears the line (before printing other output or when done).
    void stop();

private:
    void run();
    std::atomic<bool> running_{false};
    std::string message_;
    std::atomic<int> generation_{0};
    std::thread thread_;
};

}  // namespace sb::cli
