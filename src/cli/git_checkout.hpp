#pragma once
// The user's git checkout, read by running git (sb push builds what is pushed).
#include <optional>
#include <string>

namespace sb::cli {

struct GitState {
    std::string head;      // commit id of HEAD
    std::string branch;    // current branch, "" when detached
    std::string upstream;  // commit id of @{u}, "" when there is no upstream
    bool dirty = false;    // uncommitted changes to tracked files
};

// Nothing when `dir` is not inside a git work tree (or git is missing).
std::optional<GitState> read_git_state(const std::string& dir = ".");

// The warning sb push prints, "" when HEAD is what the server will build.
std::string push_warning(const GitState& state, const std::string& app_branch);

}  // namespace sb::cli
