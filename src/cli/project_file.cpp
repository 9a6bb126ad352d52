#include "cli/project_file.hpp"

#include <yaml-cpp/yaml.h>

#include "cli/cli_error.hpp"

namespace sb::cli {
namespace fs = std::filesystem;

std::optional<ProjectFile> find_project_file(const fs::path& start) {
    std::error_code ec;
    fs::path dir = fs::absolute(start, ec);
    if (ec) return std::nullopt;
    for (;;) {
        auto candidate = dir / ".shapeblock.yaml";
        if (fs::is_regular_file(candidate, ec)) {
            ProjectFile file;
            file.path = candidate;
            try {
                auto root = YAML::LoadFile(candidate.string());
                if (root && !root.IsNull()) {
                    if (!root.IsMap()) throw CliError(ExitCode::usage, candidate.string() + " must be a mapping with team, project and app");
                    for (const auto& entry : root) {
                        auto key = entry.first.as<std::string>();
                        if (key != "team" && key != "project" && key != "app")
                            throw CliError(ExitCode::usage, candidate.string() + ": unknown key \"" + key +
                                                                "\" (known: team, project, app)");
                        if (!entry.second.IsScalar())
                            throw CliError(ExitCode::usage, candidate.string() + ": " + key + " must be a name");
                        auto value = entry.second.as<std::string>();
                        (key == "team" ? file.team : key == "project" ? file.project : file.app) = value;
                    }
                }
            } catch (const YAML::Exception& e) {
                throw CliError(ExitCode::usage, candidate.string() + " is not valid YAML (line " +
                                                    std::to_string(e.mark.line + 1) + "): " + e.msg);
            }
            return file;
        }
        if (!dir.has_parent_path() || dir.parent_path() == dir) return std::nullopt;
        dir = dir.parent_path();
    }
}

std::string pick(const ScopeSources& s) {
    for (const auto* v : {&s.flag, &s.env, &s.file, &s.context})
        if (!v->empty()) return *v;
    return "";
}

}  // namespace sb::cli
