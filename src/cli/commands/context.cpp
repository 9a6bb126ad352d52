// sb context list|use|remove|current: the named servers sb knows.
#include "cli/cli_error.hpp"
#include "cli/commands/command_support.hpp"

namespace sb::cli {
namespace json = boost::json;

namespace {

json::object context_json(const Context& c, bool current) {
    return {{"name", c.name}, {"server", c.server}, {"user", c.user}, {"team", c.team}, {"project", c.project},
            {"current", current}, {"signedIn", !c.token.empty()}};
}

Context& existing(Invocation& inv, const std::string& name) {
    auto* c = inv.config().find(name);
    if (!c) {
        std::string names;
        for (const auto& other : inv.config().contexts) names += (names.empty() ? "" : ", ") + other.name;
        throw CliError(ExitCode::not_found, "no context \"" + name + "\"" + (names.empty() ? " (none yet: sb login URL)" : " (contexts: " + names + ")"));
    }
    return *c;
}

}  // namespace

void add_context_commands(CLI::App& root, Invocation& inv) {
    auto* group = add_group(root, "context", "List and switch between servers (contexts)");

    auto* list = add_command(*group, "list", "List contexts; * marks the current one", "  sb context list\n");
    list->alias("ls");
    list->callback([&inv] {
        json::array items;
        for (const auto& c : inv.config().contexts) items.push_back(context_json(c, c.name == inv.config().current));
        inv.print(render_list(items,
                              {{"CURRENT", [](const json::value& v) { return v.at("current").as_bool() ? std::string("*") : std::string(); }},
                               text_column("NAME", "name"), text_column("SERVER", "server"), text_column("USER", "user"),
                               text_column("TEAM", "team"), text_column("PROJECT", "project")},
                              inv.style()));
    });

    auto name = std::make_shared<std::string>();
    auto* use = add_command(*group, "use", "Make a context the current one", "  sb context use staging\n");
    use->add_option("name", *name, "Context name")->required();
    complete_names(use, "context");
    use->callback([&inv, name] {
        existing(inv, *name);
        inv.config().current = *name;
        inv.store().save(inv.config());
        if (!inv.globals.quiet) inv.print("Switched to context \"" + *name + "\"\n");
    });

    auto removed = std::make_shared<std::string>();
    auto* remove = add_command(*group, "remove", "Forget a context (its token stays valid: sb logout revokes it)",
                               "  sb context remove old-server\n");
    remove->alias("rm");
    remove->add_option("name", *removed, "Context name")->required();
    complete_names(remove, "context");
    remove->callback([&inv, removed] {
        existing(inv, *removed);
        inv.config().remove(*removed);
        inv.store().save(inv.config());
        if (!inv.globals.quiet) inv.print("Removed context \"" + *removed + "\"\n");
    });

    auto* current = add_command(*group, "current", "Print the current context's name");
    current->callback([&inv] {
        if (inv.config().current.empty()) throw CliError(ExitCode::not_found, "no current context: sb login URL");
        inv.print(inv.config().current + "\n");
    });
}

}  // namespace sb::cli
