// sb webhooks ...: the app's deploy webhook (GET/POST/DELETE .../apps/{app}/webhook;
// issue 13's routes): a git host calls its URL on push to build and deploy.
#include "cli/commands/command_support.hpp"

namespace sb::cli {
namespace json = boost::json;

void add_webhook_commands(CLI::App& root, Invocation& inv) {
    auto* group = add_group(root, "webhooks", "The app's deploy webhook for git hosts");
    group->alias("webhook");
    // The secret is in the answer that creates or rotates it, never afterwards.
    auto pairs = std::vector<Column>{text_column("URL", "url"), text_column("Secret", "secret"), text_column("Branch", "branch"),
                                     text_column("Repository", "repository")};

    auto* show = add_command(*group, "show", "Show the app's webhook", "  sb webhooks show -a web\n");
    show->callback([&inv, pairs] {
        auto out = inv.api().get(inv.app_path() + "/webhook", "show the webhook of " + inv.app_name());
        inv.print(render_object(out, pairs, inv.style(), "url"));
    });

    auto* enable = add_command(*group, "enable", "Create (or replace) the app's webhook and print its URL and secret",
                               "  sb webhooks enable -a web\n");
    enable->alias("create");
    enable->callback([&inv, pairs] {
        auto out = inv.api().post(inv.app_path() + "/webhook", json::object{}, "create the webhook of " + inv.app_name());
        inv.print(render_object(out, pairs, inv.style(), "url"));
    });

    auto* disable = add_command(*group, "disable", "Delete the app's webhook", "  sb webhooks disable -a web\n");
    disable->alias("delete");
    disable->callback([&inv] {
        inv.api().del(inv.app_path() + "/webhook", "delete the webhook of " + inv.app_name());
        if (!inv.globals.quiet) inv.print("webhook of app/" + inv.app_name() + " deleted\n");
    });
}

}  // namespace sb::cli
