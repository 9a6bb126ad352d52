#include "cli/command_tree.hpp"

#include "cli/commands/command_support.hpp"
#include "cli/exit_codes.hpp"
#include "cli/suggest.hpp"

namespace sb::cli {

namespace {

std::string root_footer() {
    std::string out =
        "Scope: --team/--project/--app flags win over SB_TEAM/SB_PROJECT/SB_APP, which win over .shapeblock.yaml\n"
        "(this directory or a parent), which wins over the context's defaults (sb teams use, sb projects use).\n"
        "CI: SB_SERVER and SB_TOKEN replace sb login.\n\nExit codes:\n";
    for (const auto& e : kExitCodeDocs) out += "  " + std::to_string(e.code) + "  " + e.meaning + "\n";
    out += "\nsb help COMMAND shows a command's flags and examples.";
    return out;
}

}  // namespace

void build_command_tree(CLI::App& root, Invocation& inv) {
    root.description("sb: the ShapeBlock command-line client. Deploy apps from git or images to your clusters.");
    root.footer(root_footer());
    root.fallthrough();  // global flags work after subcommands too
    root.require_subcommand(1);
    auto& g = inv.globals;
    root.add_option("--context", g.context, "Use this context instead of the current one");
    root.add_option("--server", g.server, "Server URL (overrides the context's)");
    root.add_option("-t,--team", g.team, "Team name");
    root.add_option("-p,--project", g.project, "Project name");
    root.add_option("-a,--app", g.app, "App name");
    root.add_option("-o,--output", g.output, "Output format: table (default), json or yaml");
    root.add_flag("-q,--quiet", g.quiet, "Print only names or ids (and nothing on success)");
    root.add_flag("--no-color", g.no_color, "No colours (also: NO_COLOR set)");
    root.add_option("--ca-file", g.ca_file, "PEM file of the CA that signed the server's certificate");
    root.add_flag("--insecure", g.insecure, "Do not verify the server's TLS certificate");

    add_auth_commands(root, inv);
    add_context_commands(root, inv);
    add_team_commands(root, inv);
    add_cluster_commands(root, inv);
    add_project_commands(root, inv);
    add_app_commands(root, inv);
    add_push_command(root, inv);
    add_build_commands(root, inv);
    add_env_commands(root, inv);
    add_service_commands(root, inv);
    add_lifecycle_commands(root, inv);
    add_domain_commands(root, inv);
    add_log_commands(root, inv);
    add_webhook_commands(root, inv);
    add_token_commands(root, inv);
    add_account_commands(root, inv);
    add_version_command(root, inv);
    add_comfort_commands(root, inv);
}

namespace {

// The deepest command the parse reached.
CLI::App* deepest(CLI::App* app) {
    for (;;) {
        auto parsed = app->get_subcommands();
        if (parsed.empty()) return app;
        app = parsed.front();
    }
}

std::string path_of(const CLI::App* app) {
    std::string path;
    for (; app && app->get_parent(); app = app->get_parent()) path = " " + app->get_name() + path;
    return "sb" + path;
}

}  // namespace

std::string help_text(const CLI::App* command) {
    std::string parents;
    for (const auto* app = command->get_parent(); app; app = app->get_parent())
        parents = app->get_parent() ? app->get_name() + (parents.empty() ? "" : " " + parents) : "sb" + (parents.empty() ? "" : " " + parents);
    return command->get_parent() ? command->help(parents) : command->help();
}

std::string usage_error(CLI::App& root, const CLI::ParseError& error) {
    auto* node = deepest(&root);
    std::vector<std::string> extras;
    for (auto* app = node; app; app = app->get_parent()) {
        auto r = app->remaining();
        extras.insert(extras.end(), r.begin(), r.end());
        if (!extras.empty()) break;
    }
    std::string what = path_of(node);
    if (!extras.empty()) {
        const auto& word = extras.front();
        if (word.starts_with("-")) {
            std::vector<std::string> flags;
            for (auto* app = node; app; app = app->get_parent())
                for (const auto* opt : app->get_options())
                    for (const auto& l : opt->get_lnames()) flags.push_back("--" + l);
            auto name = word.substr(0, word.find('='));
            auto guess = closest(name, flags);
            return "unknown flag " + name + " for " + what + (guess ? "; did you mean " + *guess + "?" : "") + " (" + what + " --help)";
        }
        std::vector<std::string> commands;
        for (const auto* sub : node->get_subcommands([](const CLI::App* a) { return !a->get_group().empty(); })) {
            commands.push_back(sub->get_name());
            for (const auto& alias : sub->get_aliases()) commands.push_back(alias);
        }
        if (!commands.empty()) {
            auto guess = closest(word, commands);
            return "unknown command \"" + word + "\" for " + what + (guess ? "; did you mean " + path_of(node) + " " + *guess + "?" : "") +
                   " (" + what + " --help lists them)";
        }
        return "unexpected argument \"" + word + "\" for " + what + " (" + what + " --help)";
    }
    std::string message = error.what();
    if (dynamic_cast<const CLI::RequiredError*>(&error) && message.find("subcommand") != std::string::npos)
        return what + " needs a command (" + what + " --help lists them)";
    return message + " (" + what + " --help)";
}

}  // namespace sb::cli
