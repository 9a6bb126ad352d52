#include "cli/invocation.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>

#include <boost/json/parse.hpp>

#include "cli/api_error.hpp"
#include "cli/cli_error.hpp"
#include "cli/terminal.hpp"

namespace sb::cli {
namespace json = boost::json;

namespace {

std::string env(const char* name) {
    const char* v = std::getenv(name);
    return v ? v : "";
}

}  // namespace

void print_error(std::string_view message) {
    std::string line = "sb: " + std::string(message) + "\n";
    (void)!::write(STDERR_FILENO, line.data(), line.size());
}

Config& Invocation::config() {
    if (!config_) config_ = store_.load();
    return *config_;
}

const Context& Invocation::context() {
    if (context_) return *context_;
    Context c;
    std::string name = !globals.context.empty() ? globals.context : env("SB_CONTEXT");
    bool from_env = !env("SB_SERVER").empty() && !env("SB_TOKEN").empty();
    if (!from_env || !name.empty()) {
        auto& cfg = config();
        if (name.empty()) name = cfg.current;
        const Context* found = name.empty() ? nullptr : cfg.find(name);
        if (!found && !name.empty() && !globals.context.empty())
            throw CliError(ExitCode::usage, "no context \"" + name + "\" (sb context list shows them)");
        if (found) c = *found;
    }
    if (!env("SB_SERVER").empty()) c.server = env("SB_SERVER");
    if (!env("SB_TOKEN").empty()) c.token = env("SB_TOKEN");
    if (!globals.server.empty()) c.server = globals.server;
    if (!globals.ca_file.empty()) c.ca_file = globals.ca_file;
    if (globals.insecure) c.insecure = true;
    if (c.server.empty()) throw CliError(ExitCode::auth, "not signed in to any server: run sb login URL (or set SB_SERVER and SB_TOKEN)");
    context_ = std::move(c);
    return *context_;
}

ApiClient& Invocation::api() {
    if (!api_) {
        const auto& c = context();
        TransportOptions options;
        options.ca_file = c.ca_file;
        options.insecure = c.insecure;
        options.timeout = std::chrono::seconds(globals.timeout_seconds);
        api_ = std::make_unique<ApiClient>(parse_server_url(c.server), options, c.token);
    }
    return *api_;
}

OutputStyle Invocation::style() {
    OutputStyle s;
    s.format = parse_format(globals.output);
    s.quiet = globals.quiet;
    s.color = s.format == Format::table && want_color(globals.no_color);
    return s;
}

void Invocation::print(std::string_view text) { std::fwrite(text.data(), 1, text.size(), stdout); }

const std::optional<ProjectFile>& Invocation::project_file() {
    if (!project_file_read_) {
        project_file_ = find_project_file(std::filesystem::current_path());
        project_file_read_ = true;
    }
    return project_file_;
}

std::string Invocation::team_name() {
    const auto& file = project_file();
    std::string from_context;
    if (globals.team.empty() && env("SB_TEAM").empty() && !(file && !file->team.empty())) from_context = context().team;
    return pick({globals.team, env("SB_TEAM"), file ? file->team : "", from_context});
}

std::string Invocation::project_name() {
    const auto& file = project_file();
    std::string from_context;
    if (globals.project.empty() && env("SB_PROJECT").empty() && !(file && !file->project.empty())) from_context = context().project;
    return pick({globals.project, env("SB_PROJECT"), file ? file->project : "", from_context});
}

std::string Invocation::app_name(const std::string& positional) {
    const auto& file = project_file();
    return pick({!positional.empty() ? positional : globals.app, env("SB_APP"), file ? file->app : "", ""});
}

json::value Invocation::find_named(const std::string& collection_path, std::string_view kind, const std::string& name,
                                   const std::string& where) {
    std::string plural = std::string(kind) + "s";
    auto& client = api();
    // Most collections filter by ?name=; one that does not (400) is listed whole.
    HttpRequest lookup;
    lookup.target = collection_path + "?name=" + query_escape(name);
    auto filtered = client.send(lookup);
    if (filtered.status == 200) {
        auto page = json::parse(filtered.body);
        for (const auto& item : page.at("items").as_array())
            if (field(item, "name") == name || field(item, "id") == name) return item;
    } else if (filtered.status != 400) {
        throw api_failure(filtered.status, filtered.body, "look up " + std::string(kind) + " " + name, client.url().text());
    }
    // Not by name: an id, or a name that is not there (then say which are).
    auto all = client.list(collection_path, "list " + plural);
    std::vector<std::string> sorted;
    for (const auto& item : all) {
        if (field(item, "name") == name || field(item, "id") == name) return item;
        sorted.push_back(field(item, "name"));
    }
    std::sort(sorted.begin(), sorted.end());
    std::string names;
    for (const auto& n : sorted) names += (names.empty() ? "" : ", ") + n;
    std::string message = "no " + std::string(kind) + " \"" + name + "\"" + where;
    message += names.empty() ? " (there are no " + plural + " yet)" : " (" + plural + " here: " + names + ")";
    throw CliError(ExitCode::not_found, message);
}

std::string Invocation::team_id() {
    if (!team_id_.empty()) return team_id_;
    auto name = team_name();
    auto teams = api().list("/api/v1/teams", "list your teams");
    std::string names;
    for (const auto& t : teams) {
        if (name.empty() && teams.size() == 1) name = field(t, "name");  // the only team needs no naming
        if (field(t, "name") == name || field(t, "id") == name) return team_id_ = field(t, "id");
        names += (names.empty() ? "" : ", ") + field(t, "name");
    }
    if (name.empty())
        throw CliError(ExitCode::usage, teams.empty() ? "you are in no team yet: sb teams create NAME, or ask a team admin to add you"
                                                      : "which team? pass --team or run sb teams use NAME (your teams: " + names + ")");
    throw CliError(ExitCode::not_found, "no team \"" + name + "\" among yours (" + (names.empty() ? "you are in none" : "your teams: " + names) + ")");
}

std::string Invocation::project_id() {
    if (!project_id_.empty()) return project_id_;
    auto name = project_name();
    if (name.empty())
        throw CliError(ExitCode::usage, "which project? pass --project (-p), run sb projects use NAME, or pin it in .shapeblock.yaml");
    auto project = find_named(team_path() + "/projects", "project", name, " in team \"" + team_name() + "\"");
    return project_id_ = field(project, "id");
}

std::string Invocation::app_id(const std::string& positional) {
    auto name = app_name(positional);
    if (!app_id_.empty() && app_id_for_ == name) return app_id_;
    if (name.empty()) throw CliError(ExitCode::usage, "which app? name it, pass --app (-a), or pin it in .shapeblock.yaml");
    auto app = find_named(project_path() + "/apps", "app", name, " in project \"" + project_name() + "\"");
    app_id_for_ = name;
    return app_id_ = field(app, "id");
}

}  // namespace sb::cli
