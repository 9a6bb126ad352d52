// sb apps ...: apps of a project, from a git repository or an image.
#include "cli/cli_error.hpp"
#include "cli/commands/command_support.hpp"

namespace sb::cli {
namespace json = boost::json;

namespace {

struct AppOptions {
    std::string name, git, branch, image, dockerfile, builder, description;
    bool buildpack = false;
};

std::string source(const json::value& app) {
    if (field(app, "build.type") == "image") return field(app, "build.image");
    auto url = field(app, "git.url");
    if (url.empty()) return "<uploads>";
    auto branch = field(app, "git.branch");
    return url + (branch.empty() ? "" : "#" + branch);
}

std::string status(const json::value& app) {
    auto phase = field(app, "status.phase");
    return phase.empty() ? "Pending" : phase;
}

json::object app_body(const AppOptions& o, bool creating) {
    if (!o.git.empty() && !o.image.empty()) throw CliError(ExitCode::usage, "--git and --image exclude each other: an app builds from one source");
    if (o.buildpack && !o.dockerfile.empty()) throw CliError(ExitCode::usage, "--buildpack and --dockerfile exclude each other");
    json::object body;
    if (!o.description.empty()) body["description"] = o.description;
    if (!o.image.empty()) {
        body["build"] = json::object{{"type", "image"}, {"image", o.image}};
        return body;
    }
    if (!o.git.empty() || !o.branch.empty()) {
        json::object git;
        if (!o.git.empty()) git["url"] = o.git;
        git["branch"] = o.branch.empty() ? "main" : o.branch;
        body["git"] = std::move(git);
    }
    if (o.buildpack || !o.dockerfile.empty() || !o.builder.empty() || (creating && !o.git.empty())) {
        json::object build{{"type", o.buildpack || !o.builder.empty() ? "buildpack" : "dockerfile"}};
        if (!o.dockerfile.empty()) build["dockerfile"] = o.dockerfile;
        if (!o.builder.empty()) build["builderImage"] = o.builder;
        body["build"] = std::move(build);
    }
    return body;
}

void add_source_options(CLI::App* c, AppOptions& o) {
    c->add_option("--git", o.git, "Git repository URL (https://, ssh:// or git@)");
    c->add_option("--branch", o.branch, "Branch to build (default main)");
    c->add_option("--image", o.image, "Deploy this container image instead of building");
    c->add_option("--dockerfile", o.dockerfile, "Dockerfile path in the repository (build type dockerfile)");
    c->add_flag("--buildpack", o.buildpack, "Build with Cloud Native Buildpacks instead of a Dockerfile");
    c->add_option("--builder", o.builder, "Buildpack builder image (implies --buildpack)");
    c->add_option("--description", o.description, "Description");
}

}  // namespace

std::vector<Column> app_columns() {
    return {text_column("NAME", "name"), {"STATUS", status}, text_column("BUILD", "build.type"), {"SOURCE", source}, age_column()};
}

void add_app_commands(CLI::App& root, Invocation& inv) {
    auto* group = add_group(root, "apps", "Apps of a project");
    group->alias("app");

    add_command(*group, "list", "List the project's apps", "  sb apps list\n  sb apps list -p shop -o json\n")->alias("ls");
    group->get_subcommand("list")->callback([&inv] {
        inv.print(render_list(inv.api().list(inv.project_path() + "/apps", "list apps"), app_columns(), inv.style()));
    });

    auto shown = std::make_shared<std::string>();
    auto* show = add_command(*group, "show", "Show an app", "  sb apps show web\n");
    show->add_option("name", *shown, "App name (default: --app or .shapeblock.yaml)");
    complete_names(show, "app");
    show->callback([&inv, shown] {
        auto app = inv.api().get(inv.app_path(*shown), "show app");
        auto list = [](const char* key) {
            return [key](const json::value& v) {
                std::string out;
                if (const auto* a = v.as_object().if_contains(key); a && a->is_array())
                    for (const auto& item : a->as_array()) out += (out.empty() ? "" : ", ") + std::string(item.is_string() ? item.as_string() : "");
                return out.empty() ? std::string("<none>") : out;
            };
        };
        inv.print(render_object(app, {text_column("Name", "name"), {"Status", status}, text_column("Message", "status.message"),
                                      text_column("Build", "build.type"), {"Source", source}, {"Domains", list("domains")},
                                      {"Services", list("services")}, {"Env", list("envKeys")}, text_column("Id", "id"),
                                      text_column("Created", "createdAt"), text_column("Updated", "updatedAt")},
                                inv.style()));
    });

    auto created = std::make_shared<AppOptions>();
    auto* create = add_command(*group, "create", "Create an app from a git repository, an image, or uploaded directories",
                               "  sb apps create web --git https://github.com/acme/web --branch main\n"
                               "  sb apps create api --git git@github.com:acme/api.git --buildpack\n"
                               "  sb apps create cache --image redis:7\n"
                               "  sb apps create site --dockerfile Dockerfile   # then: sb push --path . -a site\n");
    create->add_option("name", created->name, "App name")->required();
    add_source_options(create, *created);
    create->callback([&inv, created] {
        if (created->git.empty() && created->image.empty() && !created->buildpack && created->dockerfile.empty() &&
            created->builder.empty())
            throw CliError(ExitCode::usage, "an app needs a source: --git URL (with --branch), --image REF, or how its uploaded "
                                            "directories build (--dockerfile PATH or --buildpack; then sb push --path DIR)");
        auto body = app_body(*created, true);
        body["name"] = created->name;
        auto app = inv.api().post(inv.project_path() + "/apps", body, "create app " + created->name);
        if (inv.style().format != Format::table) inv.print(render_object(app, {}, inv.style()));
        else if (!inv.globals.quiet)
            inv.print("app/" + created->name + " created" +
                      (created->git.empty() && created->image.empty() ? "; build it from a directory with sb push --path DIR -a " + created->name : "") +
                      "\n");
    });

    auto updated = std::make_shared<AppOptions>();
    auto* set = add_command(*group, "set", "Change an app's source or build settings",
                            "  sb apps set web --branch release\n  sb apps set web --image ghcr.io/acme/web:2\n");
    set->add_option("name", updated->name, "App name");
    add_source_options(set, *updated);
    complete_names(set, "app");
    set->callback([&inv, updated] {
        auto body = app_body(*updated, false);
        if (body.empty()) throw CliError(ExitCode::usage, "nothing to change: pass --git, --branch, --image, --dockerfile, --buildpack or --description");
        auto path = inv.app_path(updated->name);
        if (body.contains("git") && !body.at("git").as_object().contains("url")) {
            auto current = inv.api().get(path, "show app");  // the API replaces git as a whole
            if (auto url = field(current, "git.url"); !url.empty()) body["git"].as_object()["url"] = url;
        }
        auto app = inv.api().patch(path, body, "update app " + inv.app_name(updated->name));
        if (inv.style().format != Format::table) inv.print(render_object(app, {}, inv.style()));
        else if (!inv.globals.quiet) inv.print("app/" + inv.app_name(updated->name) + " updated\n");
    });

    auto deleted = std::make_shared<std::string>();
    auto* remove = add_command(*group, "delete", "Delete an app", "  sb apps delete web\n");
    remove->alias("rm");
    remove->add_option("name", *deleted, "App name")->required();
    complete_names(remove, "app");
    remove->callback([&inv, deleted] {
        inv.api().del(inv.app_path(*deleted), "delete app " + *deleted);
        if (!inv.globals.quiet) inv.print("app/" + *deleted + " deleted\n");
    });
}

}  // namespace sb::cli
