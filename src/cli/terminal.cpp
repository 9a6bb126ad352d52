#include "cli/terminal.hpp"

#include <fcntl.h>
#include <termios.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <mutex>

#include "cli/cli_error.hpp"

namespace sb::cli {

bool is_tty(int fd) { return ::isatty(fd) == 1; }

bool want_color(bool no_color_flag) {
    if (no_color_flag) return false;
    if (const char* no_color = std::getenv("NO_COLOR"); no_color && *no_color) return false;
    if (const char* term = std::getenv("TERM"); term && std::strcmp(term, "dumb") == 0) return false;
    return is_tty(STDOUT_FILENO);
}

std::string prompt(const std::string& question, bool secret) {
    int fd = ::open("/dev/tty", O_RDWR | O_CLOEXEC);
    bool own = fd >= 0;
    int in = own ? fd : STDIN_FILENO;
    int out = own ? fd : STDERR_FILENO;
    termios saved{};
    bool restore = false;
    if (secret && ::tcgetattr(in, &saved) == 0) {
        termios quiet = saved;
        quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
        quiet.c_lflag |= ECHONL;
        // Before the question is shown, and without flushing: what is typed
        // as soon as it appears is neither echoed nor lost.
        restore = ::tcsetattr(in, TCSANOW, &quiet) == 0;
    }
    (void)!::write(out, question.data(), question.size());
    std::string line;
    char c;
    bool got_any = false;
    while (::read(in, &c, 1) == 1) {
        got_any = true;
        if (c == '\n') break;
        if (c != '\r') line += c;
    }
    if (restore) ::tcsetattr(in, TCSANOW, &saved);
    if (own) ::close(fd);
    if (!got_any) throw CliError(ExitCode::usage, "no terminal to ask \"" + question.substr(0, question.find(':')) + "\" on; pass it as a flag");
    return line;
}

namespace {
std::mutex spinner_mutex;
}

Spinner::Spinner(std::string message) : message_(std::move(message)) {
    if (!is_tty(STDERR_FILENO)) return;
    running_ = true;
    thread_ = std::thread([this] { run(); });
}

Spinner::~Spinner() { stop(); }

void Spinner::update(std::string message) {
    std::lock_guard lock(spinner_mutex);
    message_ = std::move(message);
}

void Spinner::stop() {
    if (!running_.exchange(false)) return;
    if (thread_.joinable()) thread_.join();
    std::fputs("\r\033[K", stderr);
    std::fflush(stderr);
}

void Spinner::run() {
    static const char* frames[] = {"|", "/", "-", "\\"};
    for (int i = 0; running_; ++i) {
        {
            std::lock_guard lock(spinner_mutex);
            std::fprintf(stderr, "\r\033[K%s %s", frames[i % 4], message_.c_str());
            std::fflush(stderr);
        }
        for (int t = 0; t < 10 && running_; ++t) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
}

}  // namespace sb::cli
