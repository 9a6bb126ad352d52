// sb projects ...: projects of the team, each deployed to one cluster.
#include "cli/cli_error.hpp"
#include "cli/commands/command_support.hpp"

namespace sb::cli {
namespace json = boost::json;

namespace {

struct ProjectOptions {
    std::string name, cluster, description, display_name;
};

std::string cluster_id(Invocation& inv, const std::string& name) {
    auto cluster = inv.find_named(inv.team_path() + "/clusters", "cluster", name, " in team \"" + inv.team_name() + "\"");
    return field(cluster, "id");
}

json::object project_body(Invocation& inv, const ProjectOptions& o) {
    json::object body;
    if (!o.cluster.empty()) body["clusterId"] = cluster_id(inv, o.cluster);
    if (!o.description.empty()) body["description"] = o.description;
    if (!o.display_name.empty()) body["displayName"] = o.display_name;
    return body;
}

}  // namespace

void add_project_commands(CLI::App& root, Invocation& inv) {
    auto* group = add_group(root, "projects", "Projects of the team (a project lives in one cluster)");
    group->alias("project");

    add_command(*group, "list", "List projects", "  sb projects list\n")->alias("ls");
    group->get_subcommand("list")->callback([&inv] {
        auto clusters = inv.api().list(inv.team_path() + "/clusters", "list clusters");
        auto cluster_name = [clusters](const json::value& p) {
            for (const auto& c : clusters)
                if (c.at("id") == p.at("clusterId")) return field(c, "name");
            return std::string("<none>");
        };
        inv.print(render_list(inv.api().list(inv.team_path() + "/projects", "list projects"),
                              {text_column("NAME", "name"), {"CLUSTER", cluster_name}, text_column("DESCRIPTION", "description"), age_column()},
                              inv.style()));
    });

    auto shown = std::make_shared<std::string>();
    auto* show = add_command(*group, "show", "Show a project", "  sb projects show shop\n");
    show->add_option("name", *shown, "Project name (default: the project in effect)");
    complete_names(show, "project");
    show->callback([&inv, shown] {
        if (!shown->empty()) inv.globals.project = *shown;
        auto project = inv.api().get(inv.project_path(), "show project");
        inv.print(render_object(project, {text_column("Name", "name"), text_column("Display name", "displayName"),
                                          text_column("Description", "description"), text_column("Cluster id", "clusterId"),
                                          text_column("Id", "id"), text_column("Created", "createdAt")},
                                inv.style()));
    });

    auto created = std::make_shared<ProjectOptions>();
    auto* create = add_command(*group, "create", "Create a project", "  sb projects create shop --cluster prod\n");
    create->add_option("name", created->name, "Project name")->required();
    create->add_option("--cluster", created->cluster, "Cluster the project's apps run in");
    create->add_option("--description", created->description, "Description");
    create->add_option("--display-name", created->display_name, "Display name");
    create->callback([&inv, created] {
        auto body = project_body(inv, *created);
        body["name"] = created->name;
        auto project = inv.api().post(inv.team_path() + "/projects", body, "create project " + created->name);
        if (inv.style().format != Format::table) inv.print(render_object(project, {}, inv.style()));
        else if (!inv.globals.quiet) inv.print("project/" + created->name + " created\n");
    });

    auto updated = std::make_shared<ProjectOptions>();
    auto* set = add_command(*group, "set", "Change a project's cluster, description or display name",
                            "  sb projects set shop --cluster prod\n");
    set->add_option("name", updated->name, "Project name")->required();
    set->add_option("--cluster", updated->cluster, "Cluster the project's apps run in");
    set->add_option("--description", updated->description, "Description");
    set->add_option("--display-name", updated->display_name, "Display name");
    complete_names(set, "project");
    set->callback([&inv, updated] {
        inv.globals.project = updated->name;
        auto body = project_body(inv, *updated);
        if (body.empty()) throw CliError(ExitCode::usage, "nothing to change: pass --cluster, --description or --display-name");
        auto project = inv.api().patch(inv.project_path(), body, "update project " + updated->name);
        if (inv.style().format != Format::table) inv.print(render_object(project, {}, inv.style()));
        else if (!inv.globals.quiet) inv.print("project/" + updated->name + " updated\n");
    });

    auto deleted = std::make_shared<std::string>();
    auto* remove = add_command(*group, "delete", "Delete a project and its apps and services", "  sb projects delete shop\n");
    remove->alias("rm");
    remove->add_option("name", *deleted, "Project name")->required();
    complete_names(remove, "project");
    remove->callback([&inv, deleted] {
        inv.globals.project = *deleted;
        inv.api().del(inv.project_path(), "delete project " + *deleted);
        if (!inv.globals.quiet) inv.print("project/" + *deleted + " deleted\n");
    });

    auto used = std::make_shared<std::string>();
    auto* use = add_command(*group, "use", "Make a project the context's default", "  sb projects use shop\n");
    use->add_option("name", *used, "Project name")->required();
    complete_names(use, "project");
    use->callback([&inv, used] {
        inv.globals.project = *used;
        inv.project_id();  // it must exist
        auto* context = inv.config().find(inv.context().name);
        if (!context) throw CliError(ExitCode::usage, "defaults are kept in a context: sb login first (SB_SERVER alone has none)");
        context->team = inv.team_name().empty() ? context->team : inv.team_name();
        context->project = *used;
        inv.store().save(inv.config());
        if (!inv.globals.quiet) inv.print("Using project \"" + *used + "\" in context \"" + context->name + "\"\n");
    });
}

}  // namespace sb::cli
