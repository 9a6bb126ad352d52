// sb licence, sb usage: the installation's licence and the team's usage.
#include <fstream>
#include <sstream>

#include "cli/cli_error.hpp"
#include "cli/commands/command_support.hpp"

namespace sb::cli {
namespace json = boost::json;

void add_account_commands(CLI::App& root, Invocation& inv) {
    auto* licence = add_command(root, "licence", "Show the installation's licence and its limits",
                                "  sb licence\n  sb licence install licence.txt   # installation administrators\n");
    licence->alias("license");
    licence->callback([&inv, licence] {
        if (!licence->get_subcommands().empty()) return;
        auto l = inv.api().get("/api/v1/licence", "show the licence");
        inv.print(render_object(l, {text_column("Installed", "installed"), text_column("Licensee", "licensee"), text_column("Edition", "edition"),
                                    {"Clusters", [](const json::value& v) { return field(v, "usage.clusters") + " of " + field(v, "maxClusters"); }},
                                    {"Users", [](const json::value& v) { return field(v, "usage.users") + " of " + field(v, "maxUsers"); }},
                                    text_column("Updates until", "updatesUntil")},
                            inv.style(), "licensee"));
    });
    auto file = std::make_shared<std::string>();
    auto* install = add_command(*licence, "install", "Install a signed licence document");
    install->add_option("file", *file, "The licence document")->required()->check(CLI::ExistingFile);
    install->callback([&inv, file] {
        std::ifstream in(*file);
        std::stringstream text;
        text << in.rdbuf();
        auto l = inv.api().put("/api/v1/licence", json::object{{"document", text.str()}}, "install the licence");
        if (!inv.globals.quiet) inv.print("licence for " + field(l, "licensee") + " installed\n");
    });

    auto kind = std::make_shared<std::string>();
    auto* usage = add_command(root, "usage", "Show the team's usage totals and records",
                              "  sb usage\n  sb usage --kind build_minutes -o json\n");
    usage->add_option("--kind", *kind, "apps, clusters or build_minutes");
    usage->callback([&inv, kind] {
        std::string target = inv.team_path() + "/usage" + (kind->empty() ? "" : "?kind=" + query_escape(*kind));
        auto first = inv.api().get(target, "show usage");
        auto records = inv.api().list(target, "list usage records");
        auto style = inv.style();
        if (style.format != Format::table) {
            inv.print(render_object(json::object{{"totals", first.at("totals")}, {"items", records}}, {}, style));
            return;
        }
        std::string out;
        for (const auto& [k, v] : first.at("totals").as_object()) out += std::string(k) + ": " + field(v, "") + "  ";
        if (!style.quiet) inv.print("Totals: " + out + "\n\n");
        inv.print(render_list(records, {text_column("KIND", "kind"), text_column("QUANTITY", "quantity"), text_column("SUBJECT", "subjectId"),
                                        age_column("AGE", "recordedAt")},
                              style, "id"));
    });
}

}  // namespace sb::cli
