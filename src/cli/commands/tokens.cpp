// sb tokens ...: your personal API tokens (for CI: SB_TOKEN).
#include "cli/cli_error.hpp"
#include "cli/commands/command_support.hpp"

namespace sb::cli {
namespace json = boost::json;

void add_token_commands(CLI::App& root, Invocation& inv) {
    auto* group = add_group(root, "tokens", "Your API tokens");
    group->alias("token");

    add_command(*group, "list", "List your API tokens", "  sb tokens list\n")->alias("ls");
    group->get_subcommand("list")->callback([&inv] {
        inv.print(render_list(inv.api().list("/api/v1/me/tokens", "list tokens"),
                              {text_column("ID", "id"), text_column("NAME", "name"), age_column(),
                               {"EXPIRES", [](const json::value& v) { return v.at("expiresAt").is_null() ? std::string("never") : field(v, "expiresAt"); }},
                               {"LAST USED", [now = std::chrono::system_clock::now()](const json::value& v) {
                                    return v.at("lastUsedAt").is_null() ? std::string("never") : age(v.at("lastUsedAt"), now) + " ago";
                                }}},
                              inv.style(), "id"));
    });

    struct CreateOptions {
        std::string name;
        int days = 0;
    };
    auto created = std::make_shared<CreateOptions>();
    auto* create = add_command(*group, "create", "Create an API token (shown once)",
                               "  sb tokens create ci --expires-in-days 90\n  SB_TOKEN=$(sb tokens create ci -q)\n");
    create->add_option("name", created->name, "What the token is for")->required();
    create->add_option("--expires-in-days", created->days, "Days until it expires (default: never)")->check(CLI::Range(1, 3650));
    create->callback([&inv, created] {
        json::object body{{"name", created->name}};
        if (created->days > 0) body["expiresInDays"] = created->days;
        auto token = inv.api().post("/api/v1/me/tokens", body, "create token " + created->name);
        if (inv.style().format != Format::table) inv.print(render_object(token, {}, inv.style()));
        else if (inv.globals.quiet) inv.print(field(token, "token") + "\n");
        else inv.print("token/" + field(token, "id") + " created; it is shown only this once:\n" + field(token, "token") + "\n");
    });

    auto revoked = std::make_shared<std::string>();
    auto* revoke = add_command(*group, "revoke", "Revoke an API token", "  sb tokens revoke 0193f...\n  sb tokens revoke ci\n");
    revoke->alias("delete");
    revoke->add_option("token", *revoked, "Token id or name")->required();
    revoke->callback([&inv, revoked] {
        auto tokens = inv.api().list("/api/v1/me/tokens", "list tokens");
        std::string id;
        int by_name = 0;
        for (const auto& t : tokens) {
            if (field(t, "id") == *revoked) id = *revoked;
            if (field(t, "name") == *revoked) ++by_name;
        }
        if (id.empty() && by_name > 1) throw CliError(ExitCode::usage, "several tokens are named \"" + *revoked + "\": give the id (sb tokens list)");
        if (id.empty())
            for (const auto& t : tokens)
                if (field(t, "name") == *revoked) id = field(t, "id");
        if (id.empty()) throw CliError(ExitCode::not_found, "no token \"" + *revoked + "\" (sb tokens list shows yours)");
        inv.api().del("/api/v1/me/tokens/" + id, "revoke token " + *revoked);
        if (!inv.globals.quiet) inv.print("token/" + id + " revoked\n");
    });
}

}  // namespace sb::cli
