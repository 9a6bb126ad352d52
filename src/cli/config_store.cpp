#include "cli/config_store.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <yaml-cpp/yaml.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

#include "cli/cli_error.hpp"

namespace sb::cli {
namespace fs = std::filesystem;

Context* Config::find(const std::string& name) {
    for (auto& c : contexts)
        if (c.name == name) return &c;
    return nullptr;
}
const Context* Config::find(const std::string& name) const {
    for (const auto& c : contexts)
        if (c.name == name) return &c;
    return nullptr;
}

void Config::upsert(Context context) {
    if (auto* existing = find(context.name)) *existing = std::move(context);
    else contexts.push_back(std::move(context));
}

bool Config::remove(const std::string& name) {
    auto before = contexts.size();
    std::erase_if(contexts, [&](const Context& c) { return c.name == name; });
    if (current == name) current.clear();
    return contexts.size() != before;
}

fs::path default_config_path() {
    if (const char* xdg = std::getenv("XDG_CONFIG_HOME"); xdg && *xdg) return fs::path(xdg) / "shapeblock" / "config.yaml";
    const char* home = std::getenv("HOME");
    return fs::path(home && *home ? home : ".") / ".config" / "shapeblock" / "config.yaml";
}

namespace {

std::string scalar(const YAML::Node& node, const char* key) {
    auto v = node[key];
    return v && v.IsScalar() ? v.as<std::string>() : std::string();
}

}  // namespace

Config ConfigStore::load() const {
    Config config;
    std::ifstream in(path_);
    if (!in) {
        if (errno == ENOENT || !fs::exists(path_)) return config;
        throw CliError(ExitCode::error, "cannot read " + path_.string() + ": " + std::strerror(errno));
    }
    std::stringstream text;
    text << in.rdbuf();
    try {
        auto root = YAML::Load(text.str());
        if (!root || root.IsNull()) return config;
        if (!root.IsMap()) throw CliError(ExitCode::error, path_.string() + " is not a YAML mapping; fix or remove it");
        config.current = scalar(root, "current-context");
        if (auto contexts = root["contexts"]; contexts && contexts.IsSequence()) {
            for (const auto& node : contexts) {
                Context c;
                c.name = scalar(node, "name");
                c.server = scalar(node, "server");
                c.token = scalar(node, "token");
                c.token_id = scalar(node, "token-id");
                c.user = scalar(node, "user");
                c.team = scalar(node, "team");
                c.project = scalar(node, "project");
                c.ca_file = scalar(node, "ca-file");
                c.insecure = scalar(node, "insecure") == "true";
                if (!c.name.empty()) config.contexts.push_back(std::move(c));
            }
        }
    } catch (const YAML::Exception& e) {
        throw CliError(ExitCode::error, path_.string() + " is not valid YAML (line " + std::to_string(e.mark.line + 1) +
                                            "): " + e.msg + "; fix or remove it");
    }
    return config;
}

void ConfigStore::save(const Config& config) const {
    auto dir = path_.parent_path();
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec) throw CliError(ExitCode::error, "cannot create " + dir.string() + ": " + ec.message());
    ::chmod(dir.c_str(), 0700);
    YAML::Emitter out;
    out << YAML::BeginMap << YAML::Key << "current-context" << YAML::Value << config.current;
    out << YAML::Key << "contexts" << YAML::Value << YAML::BeginSeq;
    for (const auto& c : config.contexts) {
        out << YAML::BeginMap;
        out << YAML::Key << "name" << YAML::Value << c.name;
        out << YAML::Key << "server" << YAML::Value << c.server;
        out << YAML::Key << "token" << YAML::Value << c.token;
        if (!c.token_id.empty()) out << YAML::Key << "token-id" << YAML::Value << c.token_id;
        if (!c.user.empty()) out << YAML::Key << "user" << YAML::Value << c.user;
        if (!c.team.empty()) out << YAML::Key << "team" << YAML::Value << c.team;
        if (!c.project.empty()) out << YAML::Key << "project" << YAML::Value << c.project;
        if (!c.ca_file.empty()) out << YAML::Key << "ca-file" << YAML::Value << c.ca_file;
        if (c.insecure) out << YAML::Key << "insecure" << YAML::Value << "true";
        out << YAML::EndMap;
    }
    out << YAML::EndSeq << YAML::EndMap;
    std::string text = std::string(out.c_str()) + "\n";
    auto temporary = path_;
    temporary += ".tmp";
    int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) throw CliError(ExitCode::error, "cannot write " + temporary.string() + ": " + std::strerror(errno));
    ::fchmod(fd, 0600);  // an older file of that name may have had other bits
    bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
    ok = ::fsync(fd) == 0 && ok;
    ::close(fd);
    if (!ok || ::rename(temporary.c_str(), path_.c_str()) != 0) {
        ::unlink(temporary.c_str());
        throw CliError(ExitCode::error, "cannot write " + path_.string() + ": " + std::strerror(errno));
    }
}

}  // namespace sb::cli
