// sb login, sb logout, sb whoami: an API token per context, never the password.
#include <unistd.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <ctime>
#include <iostream>

#include "cli/api_error.hpp"
#include "cli/cli_error.hpp"
#include "cli/commands/command_support.hpp"
#include "cli/terminal.hpp"

namespace sb::cli {
namespace json = boost::json;

namespace {

struct LoginOptions {
    std::string url, token, email, name;
    bool password_stdin = false;
};

std::string default_context_name(const ServerUrl& url) { return url.host + (url.port == "443" || url.port == "80" ? "" : ":" + url.port); }

std::string token_label() {
    char host[256] = "this machine";
    ::gethostname(host, sizeof host - 1);
    std::time_t now = std::time(nullptr);
    char date[32];
    std::strftime(date, sizeof date, "%Y-%m-%d", std::gmtime(&now));
    return "sb on " + std::string(host) + " " + date;
}

json::value parse_json(const HttpResponse& r) {
    boost::system::error_code ec;
    auto v = json::parse(r.body, ec);
    if (ec || !v.is_object()) throw CliError(ExitCode::error, "the server's answer is not JSON: is this a ShapeBlock server?");
    return v;
}

void login(Invocation& inv, const LoginOptions& o) {
    auto& config = inv.config();
    std::string server = o.url;
    if (server.empty() && !inv.globals.server.empty()) server = inv.globals.server;
    if (server.empty())
        if (const char* env = std::getenv("SB_SERVER"); env && *env) server = env;
    if (server.empty())
        if (auto* current = config.current_context()) server = current->server;
    if (server.empty()) server = prompt("Server URL: ", false);
    auto url = parse_server_url(server);
    TransportOptions options;
    options.ca_file = inv.globals.ca_file;
    options.insecure = inv.globals.insecure;

    Context context;
    std::string name = !o.name.empty() ? o.name : default_context_name(url);
    if (auto* existing = config.find(name)) context = *existing;
    context.name = name;
    context.server = url.text();
    context.ca_file = options.ca_file;
    context.insecure = options.insecure;

    if (!o.token.empty()) {
        ApiClient client(url, options, o.token);
        auto me = client.get("/api/v1/me", "check the token");
        context.token = o.token;
        context.token_id.clear();
        context.user = field(me, "email");
    } else {
        std::string email = o.email.empty() ? prompt("E-mail: ", false) : o.email;
        std::string password;
        if (o.password_stdin) std::getline(std::cin, password);
        else password = prompt("Password: ", true);
        if (email.empty() || password.empty()) throw CliError(ExitCode::usage, "e-mail and password are both needed");
        ApiClient anonymous(url, options, "");
        HttpRequest request;
        request.method = "POST";
        request.target = "/api/v1/auth/login";
        request.body = json::serialize(json::object{{"email", email}, {"password", password}});
        auto signed_in = anonymous.send(request);
        if (signed_in.status != 200) throw api_failure(signed_in.status, signed_in.body, "sign in", url.text());
        auto cookie = signed_in.header("set-cookie");
        cookie = cookie.substr(0, cookie.find(';'));
        auto csrf = field(parse_json(signed_in), "csrfToken");
        // The session only mints the API token, then ends.
        HttpRequest mint;
        mint.method = "POST";
        mint.target = "/api/v1/me/tokens";
        mint.body = json::serialize(json::object{{"name", token_label()}});
        mint.headers = {{"Cookie", cookie}, {"X-CSRF-Token", csrf}};
        auto minted = anonymous.send(mint);
        if (minted.status != 201) throw api_failure(minted.status, minted.body, "create an API token", url.text());
        auto token = parse_json(minted);
        context.token = field(token, "token");
        context.token_id = field(token, "id");
        context.user = email;
        HttpRequest end;
        end.method = "POST";
        end.target = "/api/v1/auth/logout";
        end.headers = {{"Cookie", cookie}, {"X-CSRF-Token", csrf}};
        anonymous.send(end);
    }
    config.upsert(context);
    config.current = name;
    inv.store().save(config);
    if (!inv.globals.quiet)
        inv.print("Signed in to " + url.text() + " as " + context.user + " (context \"" + name + "\", token saved in " +
                  inv.store().path().string() + ")\n");
}

void logout(Invocation& inv) {
    auto& config = inv.config();
    std::string name = !inv.globals.context.empty() ? inv.globals.context : config.current;
    auto* context = config.find(name);
    if (!context || context->token.empty()) throw CliError(ExitCode::auth, "not signed in" + (name.empty() ? std::string() : " in context \"" + name + "\""));
    std::string note;
    if (!context->token_id.empty()) {
        ApiClient client(parse_server_url(context->server), {context->ca_file, context->insecure}, context->token);
        HttpRequest request;
        request.method = "DELETE";
        request.target = "/api/v1/me/tokens/" + context->token_id;
        auto r = client.send(request);
        if (r.status != 204 && r.status != 401 && r.status != 404) throw api_failure(r.status, r.body, "revoke the API token", context->server);
        note = "token revoked on the server";
    } else {
        note = "the token was given with --token, so it stays valid on the server: revoke it with sb tokens revoke ID";
    }
    context->token.clear();
    context->token_id.clear();
    inv.store().save(config);
    if (!inv.globals.quiet) inv.print("Signed out of " + context->server + " (" + note + ")\n");
}

}  // namespace

void add_auth_commands(CLI::App& root, Invocation& inv) {
    auto o = std::make_shared<LoginOptions>();
    auto* login_cmd = add_command(root, "login", "Sign in to a server and save an API token as a context",
                                  "  sb login https://sb.example.com\n"
                                  "  sb login https://sb.example.com --token sbp_...\n"
                                  "  echo \"$PASSWORD\" | sb login http://127.0.0.1:8080 --email me@example.com --password-stdin\n");
    login_cmd->add_option("url", o->url, "The server's URL (default: the current context's)");
    login_cmd->add_option("--token", o->token, "Use this API token instead of signing in with a password");
    login_cmd->add_option("--email", o->email, "E-mail to sign in with (asked when absent)");
    login_cmd->add_flag("--password-stdin", o->password_stdin, "Read the password from standard input");
    login_cmd->add_option("--name", o->name, "Name of the context (default: the server's host[:port])");
    login_cmd->callback([&inv, o] { login(inv, *o); });

    auto* logout_cmd = add_command(root, "logout", "Revoke the context's API token on the server and forget it",
                                   "  sb logout\n  sb logout --context staging\n");
    logout_cmd->callback([&inv] { logout(inv); });

    auto* whoami = add_command(root, "whoami", "Show the signed-in user and the context in use");
    whoami->callback([&inv] {
        auto me = inv.api().get("/api/v1/me", "show the signed-in user");
        auto style = inv.style();
        inv.print(render_object(me, {text_column("Email", "email"), text_column("Name", "name"), text_column("Admin", "isAdmin"),
                                     {"Server", [&](const json::value&) { return inv.context().server; }},
                                     {"Context", [&](const json::value&) { return inv.context().name; }}},
                                style, "email"));
    });
}

}  // namespace sb::cli
