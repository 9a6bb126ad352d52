#pragma once
// sb's command tree: global flags and every command, for parsing, help,
// completion and the man page alike.
#include <CLI/CLI.hpp>

#include "cli/invocation.hpp"

namespace sb::cli {

void build_command_tree(CLI::App& root, Invocation& inv);

// A command's --help text, its usage line naming the whole path ("sb env set").
std::string help_text(const CLI::App* command);

// The one-line usage error for a failed parse, with "did you mean" when an
// unknown command or flag is close to a known one.
std::string usage_error(CLI::App& root, const CLI::ParseError& error);

}  // namespace sb::cli
