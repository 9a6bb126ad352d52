#pragma once
// .shapeblock.yaml: a repository pins its team, project and app, so commands
// run inside it need no flags. Looked up from the current directory upwards.
#include <filesystem>
#include <optional>
#include <string>

namespace sb::cli {

struct ProjectFile {
    std::filesystem::path path;
    std::string team, project, app;
};

// The nearest .shapeblock.yaml from `start` up to the root; nothing when
// there is none. Throws CliError naming the file when it is not valid.
std::optional<ProjectFile> find_project_file(const std::filesystem::path& start);

// Where each of team/project/app comes from, strongest first:
// flags > environment (SB_TEAM, SB_PROJECT, SB_APP) > .shapeblock.yaml > context.
struct ScopeSources {
    std::string flag, env, file, context;
};
std::string pick(const ScopeSources& s);

}  // namespace sb::cli
