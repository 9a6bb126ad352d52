// sb env ...: an app's environment variables; values stay hidden unless --reveal.
#include "cli/cli_error.hpp"
#include "cli/commands/command_support.hpp"

namespace sb::cli {
namespace json = boost::json;

namespace {

std::pair<std::string, std::string> split_assignment(const std::string& text) {
    auto eq = text.find('=');
    if (eq == std::string::npos || eq == 0)
        throw CliError(ExitCode::usage, "\"" + text + "\" is not KEY=VALUE");
    return {text.substr(0, eq), text.substr(eq + 1)};
}

}  // namespace

void add_env_commands(CLI::App& root, Invocation& inv) {
    auto* group = add_group(root, "env", "An app's environment variables (stored sealed on the server)");

    auto reveal = std::make_shared<bool>(false);
    auto* list = add_command(*group, "list", "List the variables; values only with --reveal",
                             "  sb env list -a web\n  sb env list -a web --reveal -o json\n");
    list->alias("ls");
    list->add_flag("--reveal", *reveal, "Show the values");
    list->callback([&inv, reveal] {
        json::array items;
        if (*reveal) {
            auto env = inv.api().get(inv.app_path() + "/env", "read the env of " + inv.app_name());
            for (const auto& [k, v] : env.at("env").as_object()) items.push_back(json::object{{"name", k}, {"value", v}});
        } else {
            // The app's summary names the keys without opening the sealed values.
            auto app = inv.api().get(inv.app_path(), "show app " + inv.app_name());
            for (const auto& k : app.at("envKeys").as_array()) items.push_back(json::object{{"name", k}, {"value", nullptr}});
        }
        inv.print(render_list(items, {text_column("NAME", "name"), {"VALUE", [&](const json::value& v) {
                                          return v.at("value").is_null() ? std::string("<hidden: --reveal shows it>") : field(v, "value");
                                      }}},
                              inv.style()));
    });

    auto assignments = std::make_shared<std::vector<std::string>>();
    // Read, change, write back with If-Match: a concurrent change is refused, not overwritten.
    auto* set = add_command(*group, "set", "Set variables (others are kept)", "  sb env set -a web DATABASE_URL=postgres://... DEBUG=0\n");
    set->add_option("assignments", *assignments, "KEY=VALUE pairs")->required();
    set->callback([&inv, assignments] {
        auto path = inv.app_path() + "/env";
        auto read = inv.api().get_versioned(path, "read the env of " + inv.app_name());
        auto env = read.body.at("env").as_object();
        std::string keys;
        for (const auto& a : *assignments) {
            auto [k, v] = split_assignment(a);
            env[k] = v;
            keys += (keys.empty() ? "" : ", ") + k;
        }
        inv.api().put(path, json::object{{"env", env}}, "set the env of " + inv.app_name(), read.etag);
        if (!inv.globals.quiet) inv.print("app/" + inv.app_name() + ": set " + keys + "\n");
    });

    auto names = std::make_shared<std::vector<std::string>>();
    auto* unset = add_command(*group, "unset", "Remove variables", "  sb env unset -a web DEBUG\n");
    unset->add_option("names", *names, "Variable names")->required();
    unset->callback([&inv, names] {
        auto path = inv.app_path() + "/env";
        auto read = inv.api().get_versioned(path, "read the env of " + inv.app_name());
        auto env = read.body.at("env").as_object();
        for (const auto& n : *names)
            if (!env.erase(n)) throw CliError(ExitCode::not_found, "app \"" + inv.app_name() + "\" has no variable " + n);
        inv.api().put(path, json::object{{"env", env}}, "unset env of " + inv.app_name(), read.etag);
        if (!inv.globals.quiet) {
            std::string keys;
            for (const auto& n : *names) keys += (keys.empty() ? "" : ", ") + n;
            inv.print("app/" + inv.app_name() + ": unset " + keys + "\n");
        }
    });
}

}  // namespace sb::cli
