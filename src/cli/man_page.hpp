#pragma once
// sb(1), generated from the same command tree as --help.
#include <CLI/CLI.hpp>

#include <string>

namespace sb::cli {

std::string man_page(const CLI::App& root);

}  // namespace sb::cli
