// sb clusters ...: the team's Kubernetes clusters and how to import one.
#include "cli/commands/command_support.hpp"

namespace sb::cli {
namespace json = boost::json;

namespace {

std::vector<Column> cluster_columns() {
    return {text_column("NAME", "name"), text_column("STATE", "state"), text_column("KUBE", "kubeVersion"),
            text_column("AGENT", "agentVersion"), text_column("NODES", "capacity.nodes"), age_column()};
}

void print_import(Invocation& inv, const std::string& name, const json::value& out) {
    if (inv.style().format != Format::table) {
        inv.print(render_object(out, {}, inv.style()));
        return;
    }
    auto command = field(out, "registration.command");
    if (inv.globals.quiet) {
        inv.print(command + "\n");
        return;
    }
    inv.print("cluster/" + name + " registered. To import it, run against that cluster (the URL works once, until " +
              field(out, "registration.expiresAt") + "):\n\n  " + command + "\n\n");
}

}  // namespace

void add_cluster_commands(CLI::App& root, Invocation& inv) {
    auto* group = add_group(root, "clusters", "Kubernetes clusters of the team");
    group->alias("cluster");

    add_command(*group, "list", "List clusters", "  sb clusters list\n")->alias("ls");
    group->get_subcommand("list")->callback([&inv] {
        inv.print(render_list(inv.api().list(inv.team_path() + "/clusters", "list clusters"), cluster_columns(), inv.style()));
    });

    auto name = std::make_shared<std::string>();
    auto* show = add_command(*group, "show", "Show a cluster", "  sb clusters show prod\n");
    show->add_option("name", *name, "Cluster name")->required();
    complete_names(show, "cluster");
    show->callback([&inv, name] {
        auto cluster = inv.find_named(inv.team_path() + "/clusters", "cluster", *name, " in team \"" + inv.team_name() + "\"");
        inv.print(render_object(cluster, {text_column("Name", "name"), text_column("State", "state"), text_column("Kubernetes", "kubeVersion"),
                                          text_column("Agent", "agentVersion"), text_column("Nodes", "capacity.nodes"),
                                          text_column("Last seen", "lastSeenAt"), text_column("Id", "id")},
                                inv.style()));
    });

    auto added = std::make_shared<std::string>();
    auto* add = add_command(*group, "add", "Register a cluster and print the command that imports it",
                            "  sb clusters add prod\n  sb clusters add prod -q | sh   # prints only the kubectl command\n");
    add->alias("create");
    add->add_option("name", *added, "Cluster name")->required();
    add->callback([&inv, added] {
        auto out = inv.api().post(inv.team_path() + "/clusters", json::object{{"name", *added}}, "add cluster " + *added);
        out.as_object().erase("agentToken");  // the registration URL carries what the operator needs
        print_import(inv, *added, out);
    });

    auto again = std::make_shared<std::string>();
    auto* registration = add_command(*group, "import-command", "Issue a new import command for a cluster (the previous one stops working)",
                                     "  sb clusters import-command prod\n");
    registration->add_option("name", *again, "Cluster name")->required();
    complete_names(registration, "cluster");
    registration->callback([&inv, again] {
        auto cluster = inv.find_named(inv.team_path() + "/clusters", "cluster", *again, " in team \"" + inv.team_name() + "\"");
        auto out = inv.api().post(inv.team_path() + "/clusters/" + field(cluster, "id") + "/registration", json::object{},
                                  "issue an import command for " + *again);
        print_import(inv, *again, out);
    });

    auto deleted = std::make_shared<std::string>();
    auto* remove = add_command(*group, "delete", "Remove a cluster (revokes its agent token)", "  sb clusters delete prod\n");
    remove->alias("rm");
    remove->add_option("name", *deleted, "Cluster name")->required();
    complete_names(remove, "cluster");
    remove->callback([&inv, deleted] {
        auto cluster = inv.find_named(inv.team_path() + "/clusters", "cluster", *deleted, " in team \"" + inv.team_name() + "\"");
        auto out = inv.api().del(inv.team_path() + "/clusters/" + field(cluster, "id"), "delete cluster " + *deleted);
        if (inv.style().format != Format::table) inv.print(render_object(out, {}, inv.style()));
        else if (!inv.globals.quiet) inv.print("cluster/" + *deleted + " deleted. " + field(out, "cleanup") + "\n");
    });
}

}  // namespace sb::cli
