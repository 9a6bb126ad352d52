// sb domains ...: custom host names of an app (GET/POST .../apps/{app}/domains,
// DELETE .../domains/{host}; issue 13's routes).
#include "cli/commands/command_support.hpp"

namespace sb::cli {
namespace json = boost::json;

void add_domain_commands(CLI::App& root, Invocation& inv) {
    auto* group = add_group(root, "domains", "Custom domains of an app and their certificates");
    group->alias("domain");

    add_command(*group, "list", "List an app's domains", "  sb domains list -a web\n")->alias("ls");
    group->get_subcommand("list")->callback([&inv] {
        auto out = inv.api().get(inv.app_path() + "/domains", "list the domains of " + inv.app_name());
        // The default host (<app>-<project>.<base domain>) first, then the added ones.
        json::array items;
        if (const auto& d = out.at("default"); d.is_object()) {
            auto first = d.get_object();
            first["default"] = true;
            items.push_back(std::move(first));
        }
        for (const auto& item : out.at("items").as_array()) items.push_back(item);
        inv.print(render_list(items, {text_column("HOST", "host"), text_column("DEFAULT", "default"), text_column("CERTIFICATE", "certificate"),
                                      text_column("DNS TARGET", "dnsTarget"), text_column("REASON", "reason")},
                              inv.style(), "host"));
    });

    auto added = std::make_shared<std::string>();
    auto* add = add_command(*group, "add", "Add a domain (point its DNS at the app's address: sb apps show)",
                            "  sb domains add shop.example.com -a web\n");
    add->add_option("host", *added, "Host name")->required();
    add->callback([&inv, added] {
        auto out = inv.api().post(inv.app_path() + "/domains", json::object{{"host", *added}}, "add domain " + *added);
        if (inv.style().format != Format::table) inv.print(render_object(out, {}, inv.style(), "host"));
        else if (!inv.globals.quiet) {
            auto target = field(out, "status.dnsTarget");  // the answer is the app
            inv.print("domain/" + *added + " added to app/" + inv.app_name() +
                      (target.empty() ? "" : "; point its DNS (A/AAAA or CNAME) at " + target) + "\n");
        }
    });

    auto removed = std::make_shared<std::string>();
    auto* remove = add_command(*group, "remove", "Remove a domain", "  sb domains remove shop.example.com -a web\n");
    remove->alias("rm");
    remove->add_option("host", *removed, "Host name")->required();
    remove->callback([&inv, removed] {
        inv.api().del(inv.app_path() + "/domains/" + *removed, "remove domain " + *removed);
        if (!inv.globals.quiet) inv.print("domain/" + *removed + " removed from app/" + inv.app_name() + "\n");
    });
}

}  // namespace sb::cli
