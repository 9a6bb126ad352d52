// sb version: the client's version and the server's, with a warning when
// their major versions (the API's compatibility line) differ.
#include <boost/json/parse.hpp>

#include <cstdio>

#include "cli/api_error.hpp"
#include "cli/cli_error.hpp"
#include "cli/commands/command_support.hpp"
#include "cli/version.hpp"

namespace sb::cli {
namespace json = boost::json;

void add_version_command(CLI::App& root, Invocation& inv) {
    auto client_only = std::make_shared<bool>(false);
    auto* c = add_command(root, "version", "Show sb's version and the server's", "  sb version\n  sb version --client\n");
    c->add_flag("--client", *client_only, "Only sb's version (no server needed)");
    c->callback([&inv, client_only] {
        json::object out{{"client", {{"version", kClientVersion}, {"api", kApiVersion}}}};
        std::string warning;
        if (!*client_only) {
            HttpRequest request;
            request.target = "/api/v1/version";
            auto r = inv.api().send(request);
            if (r.status != 200) throw api_failure(r.status, r.body, "read the server's version", inv.api().url().text());
            auto server = json::parse(r.body);
            out["server"] = json::object{{"url", inv.api().url().text()}, {"version", field(server, "version")}, {"api", field(server, "api")}};
            warning = compatibility_warning(kClientVersion, field(server, "version"), field(server, "api"));
        }
        auto style = inv.style();
        if (style.format != Format::table) inv.print(render_object(out, {}, style));
        else {
            std::string text = "Client: " + std::string(kClientVersion) + " (API " + kApiVersion + ")\n";
            if (out.contains("server"))
                text += "Server: " + field(out, "server.version") + " (API " + field(out, "server.api") + ") at " + field(out, "server.url") + "\n";
            inv.print(text);
        }
        if (!warning.empty()) std::fprintf(stderr, "warning: %s\n", warning.c_str());
    });
}

}  // namespace sb::cli
