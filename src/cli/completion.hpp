#pragma once
// Shell completion: the bash, zsh and fish scripts, and the candidates they
// ask `sb __complete <words...>` for (subcommands, flags, and resource names
// listed from the server, quickly and silently).
#include <CLI/CLI.hpp>

#include <string>
#include <vector>

#include "cli/invocation.hpp"

namespace sb::cli {

// Throws CliError(usage) for another shell.
std::string completion_script(const std::string& shell);

// `words` are the words after "sb", the last one the word being completed
// (possibly ""). Never throws: an unreachable server means no names.
std::vector<std::string> completion_candidates(CLI::App& root, const std::vector<std::string>& words, Invocation& inv);

}  // namespace sb::cli
