#pragma once
// The user's contexts: $XDG_CONFIG_HOME/shapeblock/config.yaml (else
// ~/.config/shapeblock/config.yaml), directory 0700, file 0600, written
// atomically. A context is a server, its API token and default team/project.
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace sb::cli {

struct Context {
    std::string name;
    std::string server;    // URL as given to sb login
    std::string token;     // API token (never the password)
    std::string token_id;  // the token's id on the server, to revoke it at logout ("" when given with --token)
    std::string user;      // e-mail, for display
    std::string team;      // default team (name)
    std::string project;   // default project (name)
    std::string ca_file;
    bool insecure = false;
};

struct Config {
    std::string current;
    std::vector<Context> contexts;

    Context* find(const std::string& name);
    const Context* find(const std::string& name) const;
    Context* current_context() { return find(current); }
    // Adds or replaces the context of the same name.
    void upsert(Context context);
    bool remove(const std::string& name);
};

// The config file's path from the environment.
std::filesystem::path default_config_path();

class ConfigStore {
public:
    explicit ConfigStore(std::filesystem::path path) : path_(std::move(path)) {}
    // An empty Config when the file does not exist. Throws CliError when it
    // cannot be read or is not valid, naming the file.
    Config load() const;
    // Creates the directory (0700) and writes the file (0600) through a
    // temporary file renamed over it.
    void save(const Config& config) const;
    const std::filesystem::path& path() const { return path_; }

private:
    std::filesystem::path path_;
};

}  // namespace sb::cli
