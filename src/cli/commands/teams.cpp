// sb teams ...: teams, the default team of the context, and members.
#include "cli/cli_error.hpp"
#include "cli/commands/command_support.hpp"

namespace sb::cli {
namespace json = boost::json;

namespace {

std::vector<Column> team_columns() {
    return {text_column("NAME", "name"), text_column("DISPLAY NAME", "displayName"), text_column("ROLE", "role"), age_column()};
}

std::vector<Column> member_columns() {
    return {text_column("EMAIL", "email"), text_column("NAME", "name"), text_column("ROLE", "role"), age_column("SINCE", "since")};
}

json::value member_by_email(Invocation& inv, const std::string& email) {
    auto members = inv.api().list(inv.team_path() + "/members", "list members");
    std::string emails;
    for (const auto& m : members) {
        if (field(m, "email") == email || field(m, "userId") == email) return m;
        emails += (emails.empty() ? "" : ", ") + field(m, "email");
    }
    throw CliError(ExitCode::not_found, "no member \"" + email + "\" in team \"" + inv.team_name() + "\" (members: " + emails + ")");
}

}  // namespace

void add_team_commands(CLI::App& root, Invocation& inv) {
    auto* group = add_group(root, "teams", "Teams you belong to, and their members");
    group->alias("team");

    add_command(*group, "list", "List your teams", "  sb teams list\n  sb teams list -o json\n")->alias("ls");
    group->get_subcommand("list")->callback([&inv] {
        inv.print(render_list(inv.api().list("/api/v1/teams", "list teams"), team_columns(), inv.style()));
    });

    auto name = std::make_shared<std::string>();
    auto* show = add_command(*group, "show", "Show a team", "  sb teams show default\n");
    show->add_option("name", *name, "Team name (default: the team in effect)");
    complete_names(show, "team");
    show->callback([&inv, name] {
        if (!name->empty()) inv.globals.team = *name;
        auto team = inv.api().get(inv.team_path(), "show team");
        inv.print(render_object(team, {text_column("Name", "name"), text_column("Display name", "displayName"),
                                       text_column("Your role", "role"), text_column("Id", "id"), text_column("Created", "createdAt")},
                                inv.style()));
    });

    auto created = std::make_shared<std::pair<std::string, std::string>>();
    auto* create = add_command(*group, "create", "Create a team (multi-tenant edition)", "  sb teams create acme --display-name \"ACME Inc\"\n");
    create->add_option("name", created->first, "Team name (lowercase letters, digits, -)")->required();
    create->add_option("--display-name", created->second, "Display name");
    create->callback([&inv, created] {
        json::object body{{"name", created->first}};
        if (!created->second.empty()) body["displayName"] = created->second;
        auto team = inv.api().post("/api/v1/teams", body, "create team " + created->first);
        if (inv.style().format != Format::table) inv.print(render_object(team, {}, inv.style()));
        else if (!inv.globals.quiet) inv.print("team/" + created->first + " created\n");
    });

    auto deleted = std::make_shared<std::string>();
    auto* remove = add_command(*group, "delete", "Delete a team and everything in it", "  sb teams delete acme\n");
    remove->alias("rm");
    remove->add_option("name", *deleted, "Team name")->required();
    complete_names(remove, "team");
    remove->callback([&inv, deleted] {
        inv.globals.team = *deleted;
        inv.api().del(inv.team_path(), "delete team " + *deleted);
        if (!inv.globals.quiet) inv.print("team/" + *deleted + " deleted\n");
    });

    auto used = std::make_shared<std::string>();
    auto* use = add_command(*group, "use", "Make a team the context's default", "  sb teams use acme\n");
    use->add_option("name", *used, "Team name")->required();
    complete_names(use, "team");
    use->callback([&inv, used] {
        inv.globals.team = *used;
        inv.team_id();  // it must exist
        auto* context = inv.config().find(inv.context().name);
        if (!context) throw CliError(ExitCode::usage, "defaults are kept in a context: sb login first (SB_SERVER alone has none)");
        context->team = *used;
        context->project.clear();
        inv.store().save(inv.config());
        if (!inv.globals.quiet) inv.print("Using team \"" + *used + "\" in context \"" + context->name + "\"\n");
    });

    auto* members = add_group(*group, "members", "List, add, change and remove team members");
    add_command(*members, "list", "List the team's members", "  sb teams members list --team acme\n")->alias("ls");
    members->get_subcommand("list")->callback([&inv] {
        inv.print(render_list(inv.api().list(inv.team_path() + "/members", "list members"), member_columns(), inv.style(), "email"));
    });

    auto added = std::make_shared<std::pair<std::string, std::string>>("", "developer");
    auto* add = add_command(*members, "add", "Add a user to the team", "  sb teams members add dev@example.com --role developer\n");
    add->add_option("email", added->first, "The user's e-mail")->required();
    add->add_option("--role", added->second, "owner, admin, developer or viewer")->capture_default_str();
    add->callback([&inv, added] {
        auto member = inv.api().post(inv.team_path() + "/members", json::object{{"email", added->first}, {"role", added->second}},
                                     "add member " + added->first);
        if (inv.style().format != Format::table) inv.print(render_object(member, {}, inv.style()));
        else if (!inv.globals.quiet) inv.print("member/" + added->first + " added as " + added->second + "\n");
    });

    auto changed = std::make_shared<std::pair<std::string, std::string>>();
    auto* set_role = add_command(*members, "set-role", "Change a member's role", "  sb teams members set-role dev@example.com admin\n");
    set_role->add_option("email", changed->first, "The member's e-mail")->required();
    set_role->add_option("role", changed->second, "owner, admin, developer or viewer")->required();
    set_role->callback([&inv, changed] {
        auto member = member_by_email(inv, changed->first);
        inv.api().patch(inv.team_path() + "/members/" + field(member, "userId"), json::object{{"role", changed->second}},
                        "change the role of " + changed->first);
        if (!inv.globals.quiet) inv.print("member/" + changed->first + " is now " + changed->second + "\n");
    });

    auto removed = std::make_shared<std::string>();
    auto* remove_member = add_command(*members, "remove", "Remove a member from the team", "  sb teams members remove dev@example.com\n");
    remove_member->alias("rm");
    remove_member->add_option("email", *removed, "The member's e-mail")->required();
    remove_member->callback([&inv, removed] {
        auto member = member_by_email(inv, *removed);
        inv.api().del(inv.team_path() + "/members/" + field(member, "userId"), "remove member " + *removed);
        if (!inv.globals.quiet) inv.print("member/" + *removed + " removed\n");
    });
}

}  // namespace sb::cli
