// sb builds ...: an app's builds and their logs.
#include <cstdio>

#include "cli/build_follow.hpp"
#include "cli/cli_error.hpp"
#include "cli/commands/command_support.hpp"

namespace sb::cli {
namespace json = boost::json;

namespace {

std::vector<Column> build_columns() {
    return {text_column("ID", "id"), text_column("STATUS", "status.phase"), text_column("REF", "gitRef"),
            text_column("IMAGE TAG", "imageTag"), age_column()};
}

std::string builds_path(Invocation& inv) { return inv.app_path() + "/builds"; }

}  // namespace

void add_build_commands(CLI::App& root, Invocation& inv) {
    auto* group = add_group(root, "builds", "An app's builds: start, list, show, logs");
    group->alias("build");

    auto status = std::make_shared<std::string>();
    auto* list = add_command(*group, "list", "List an app's builds, newest first", "  sb builds list -a web\n  sb builds list --status Failed\n");
    list->alias("ls");
    list->add_option("--status", *status, "Only builds in this phase (Pending, Building, Completed, Failed)");
    list->callback([&inv, status] {
        std::string target = builds_path(inv) + (status->empty() ? "" : "?status=" + query_escape(*status));
        inv.print(render_list(inv.api().list(target, "list builds"), build_columns(), inv.style(), "id"));
    });

    struct StartOptions {
        std::string ref, tag;
        bool follow = false;
    };
    auto started = std::make_shared<StartOptions>();
    auto* start = add_command(*group, "start", "Start a build of the app's branch (or --ref)",
                              "  sb builds start -a web\n  sb builds start -a web --ref v1.2.0 --follow\n");
    start->add_option("--ref", started->ref, "Git ref to build (default: the app's branch head)");
    start->add_option("--image-tag", started->tag, "Tag of the built image (default: the build's id)");
    start->add_flag("-f,--follow", started->follow, "Follow the build's log until it ends");
    start->callback([&inv, started] {
        json::object body;
        if (!started->ref.empty()) body["gitRef"] = started->ref;
        if (!started->tag.empty()) body["imageTag"] = started->tag;
        auto build = inv.api().post(builds_path(inv), body, "start a build of " + inv.app_name());
        auto id = field(build, "id");
        if (!started->follow) {
            if (inv.style().format != Format::table) inv.print(render_object(build, {}, inv.style(), "id"));
            else inv.print(inv.globals.quiet ? id + "\n" : "build/" + id + " started (sb builds logs " + id + " -f follows it)\n");
            return;
        }
        auto done = follow_build(inv, builds_path(inv), id);
        if (field(done, "status.phase") != "Completed")
            throw CliError(ExitCode::failed, "build " + id + " failed: " + field(done, "status.message"));
    });

    auto shown = std::make_shared<std::string>();
    auto* show = add_command(*group, "show", "Show a build", "  sb builds show 0193f...\n");
    show->add_option("id", *shown, "Build id")->required();
    complete_names(show, "build");
    show->callback([&inv, shown] {
        auto build = inv.api().get(builds_path(inv) + "/" + *shown, "show build " + *shown);
        inv.print(render_object(build, {text_column("Id", "id"), text_column("Status", "status.phase"), text_column("Message", "status.message"),
                                        text_column("Ref", "gitRef"), text_column("Image tag", "imageTag"), text_column("Created", "createdAt"),
                                        text_column("Started", "startedAt"), text_column("Finished", "finishedAt")},
                                inv.style(), "id"));
    });

    struct LogOptions {
        std::string id;
        bool follow = false;
    };
    auto logged = std::make_shared<LogOptions>();
    auto* logs = add_command(*group, "logs", "Print a build's log (the latest build when no id is given)",
                             "  sb builds logs -a web\n  sb builds logs 0193f... --follow\n");
    logs->add_option("id", logged->id, "Build id (default: the newest build)");
    logs->add_flag("-f,--follow", logged->follow, "Follow the log until the build ends");
    complete_names(logs, "build");
    logs->callback([&inv, logged] {
        std::string id = logged->id;
        if (id.empty()) {
            auto newest = inv.api().get(builds_path(inv) + "?limit=1", "list builds");
            const auto& items = newest.at("items").as_array();
            if (items.empty()) throw CliError(ExitCode::not_found, "app \"" + inv.app_name() + "\" has no builds yet (sb builds start)");
            id = field(items.front(), "id");
        }
        if (logged->follow) {
            follow_build(inv, builds_path(inv), id);
            return;
        }
        inv.api().stream_text(builds_path(inv) + "/" + id + "/logs", [](std::string_view data) { std::fwrite(data.data(), 1, data.size(), stdout); },
                              "read the log of build " + id);
    });
}

}  // namespace sb::cli
