#pragma once
// The one kind of failure a command reports: a line for the user (printed as
// "sb: <message>") and the process's exit code.
#include <stdexcept>
#include <string>

#include "cli/exit_codes.hpp"

namespace sb::cli {

class CliError : public std::runtime_error {
public:
    CliError(ExitCode code, const std::string& message) : std::runtime_error(message), code_(code) {}
    ExitCode code() const { return code_; }

private:
    ExitCode code_;
};

}  // namespace sb::cli
