#pragma once
// One run of sb: the global flags, the context they select, the API client,
// and the team/project/app the command is about, resolved from names to ids
// (flags > SB_TEAM/SB_PROJECT/SB_APP > .shapeblock.yaml > context defaults).
#include <boost/json/value.hpp>

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "cli/api_client.hpp"
#include "cli/config_store.hpp"
#include "cli/output.hpp"
#include "cli/project_file.hpp"

namespace sb::cli {

struct GlobalOptions {
    std::string context;  // --context
    std::string server;   // --server
    std::string team, project, app;
    std::string output;   // -o
    std::string ca_file;
    bool insecure = false;
    bool quiet = false;
    bool no_color = false;
    int timeout_seconds = 30;  // per request; completion uses less
};

class Invocation {
public:
    explicit Invocation(std::filesystem::path config_path = default_config_path()) : store_(std::move(config_path)) {}

    GlobalOptions globals;

    ConfigStore& store() { return store_; }
    Config& config();
    // The context this run uses, SB_SERVER/SB_TOKEN applied; throws "run sb login" when there is none.
    const Context& context();
    ApiClient& api();
    OutputStyle style();
    void print(std::string_view text);

    // The names in effect and where they came from; "" when none is set.
    std::string team_name();
    std::string project_name();
    std::string app_name(const std::string& positional = {});

    std::string team_id();
    std::string project_id();
    std::string app_id(const std::string& positional = {});
    std::string team_path() { return "/api/v1/teams/" + team_id(); }
    std::string project_path() { return team_path() + "/projects/" + project_id(); }
    std::string app_path(const std::string& positional = {}) { return project_path() + "/apps/" + app_id(positional); }

    // An object of a collection by name or id, with the collection's names in
    // the error when it is not there: `no app "web" in project "shop" (apps here: api, worker)`.
    boost::json::value find_named(const std::string& collection_path, std::string_view kind, const std::string& name,
                                  const std::string& where);

private:
    const std::optional<ProjectFile>& project_file();
    ConfigStore store_;
    std::optional<Config> config_;
    std::optional<Context> context_;
    std::unique_ptr<ApiClient> api_;
    bool project_file_read_ = false;
    std::optional<ProjectFile> project_file_;
    std::string team_id_, project_id_, app_id_, app_id_for_;
};

// "sb: <message>" on stderr.
void print_error(std::string_view message);

}  // namespace sb::cli
