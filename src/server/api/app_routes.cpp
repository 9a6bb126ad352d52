// Apps: source (git or image), registry, build settings, domains, bound
// services, and environment variables. Env values and credentials are
// sealed with the master key before they reach the database.
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "api/helpers.hpp"

namespace sb::server::api {

namespace {

constexpr const char* kSelect = "SELECT id, name, spec, secrets, phase, message, created_at, updated_at, version FROM apps ";

struct AppSecrets {
    json::object env;
    std::string git_token;
    std::string registry_password;
};

AppSecrets open_secrets(const ServerState& state, const std::string& sealed) {
    auto v = json::parse(state.secrets.open(sealed)).as_object();
    AppSecrets s;
    if (auto* e = v.if_contains("env")) s.env = e->as_object();
    if (auto* g = v.if_contains("gitToken")) s.git_token = std::string(g->as_string());
    if (auto* r = v.if_contains("registryPassword")) s.registry_password = std::string(r->as_string());
    return s;
}

std::string seal_secrets(const ServerState& state, const AppSecrets& s) {
    json::object v{{"env", s.env}, {"gitToken", s.git_token}, {"registryPassword", s.registry_password}};
    return state.secrets.seal(json::serialize(v));
}

json::object app_json(const ServerState& state, const db::Row& r) {
    auto spec = json::parse(r.str(2)).as_object();
    auto secrets = open_secrets(state, r.str(3));
    spec["git"].as_object()["hasToken"] = !secrets.git_token.empty();
    spec["registry"].as_object()["hasPassword"] = !secrets.registry_password.empty();
    json::array keys;
    for (const auto& [k, _] : secrets.env) keys.push_back(json::string(k));
    json::object out{{"id", r.str(0)}, {"name", r.str(1)}};
    for (auto& [k, v] : spec) out[k] = v;
    out["envKeys"] = std::move(keys);
    out["status"] = {{"phase", r.str(4)}, {"message", r.str(5)}};
    out["createdAt"] = timestamp(r.i64(6));
    out["updatedAt"] = timestamp(r.i64(7));
    out["version"] = r.i64(8);
    return out;
}

void validate_url(const std::string& field, const std::string& url) {
    bool scheme = url.starts_with("https://") || url.starts_with("http://") || url.starts_with("ssh://") || url.starts_with("git@");
    if (!scheme || url.find_first_of(" \t\r\n\"'`<>") != std::string::npos)
        throw invalid_field(field, field + " must be an https://, http://, ssh:// or git@ URL");
}

void validate_domain(const std::string& field, const std::string& d) {
    bool ok = !d.empty() && d.size() <= 253 && d.front() != '.' && d.front() != '-' && d.find("..") == std::string::npos;
    for (char c : d) ok = ok && ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '*');
    if (!ok) throw invalid_field(field, field + " is not a valid host name");
}

// Applies the fields present in the body to `spec` / `secrets` (create and update share it).
void apply_body(BodyReader& body, json::object& spec, AppSecrets& secrets) {
    if (auto v = body.string("displayName", {.max_length = 200})) spec["displayName"] = *v;
    if (auto v = body.string("description", {.max_length = 2000})) spec["description"] = *v;
    if (auto git = body.object("git")) {
        json::object g;
        if (auto url = git->string("url", {.max_length = 2048})) {
            validate_url("git.url", *url);
            g["url"] = *url;
        }
        g["branch"] = git->string("branch", {.max_length = 255}).value_or("main");
        g["isPrivate"] = git->boolean("isPrivate").value_or(false);
        if (auto token = git->string("token", {.max_length = 4096})) secrets.git_token = *token;
        git->finish();
        spec["git"] = std::move(g);
    }
    if (auto registry = body.object("registry")) {
        json::object r;
        if (auto url = registry->string("url", {.max_length = 2048})) r["url"] = *url;
        if (auto user = registry->string("username", {.max_length = 255})) r["username"] = *user;
        if (auto password = registry->string("password", {.max_length = 4096})) secrets.registry_password = *password;
        registry->finish();
        spec["registry"] = std::move(r);
    }
    if (auto build = body.object("build")) {
        json::object b;
        auto type = build->string("type", {.max_length = 20}).value_or("dockerfile");
        if (type != "dockerfile" && type != "buildpack" && type != "image")
            throw invalid_field("build.type", "build.type must be dockerfile, buildpack or image");
        b["type"] = type;
        if (auto v = build->string("builderImage", {.max_length = 512})) b["builderImage"] = *v;
        if (auto v = build->string("image", {.max_length = 512})) b["image"] = *v;
        if (auto v = build->string("dockerfile", {.max_length = 512})) b["dockerfile"] = *v;
        build->finish();
        if (type == "image" && !b.contains("image")) throw invalid_field("build.image", "build.image is required when build.type is image");
        spec["build"] = std::move(b);
    }
    if (auto domains = body.string_list("domains", 50, {.max_length = 253})) {
        json::array arr;
        for (std::size_t i = 0; i < domains->size(); ++i) {
            validate_domain("domains[" + std::to_string(i) + "]", (*domains)[i]);
            arr.push_back(json::string((*domains)[i]));
        }
        spec["domains"] = std::move(arr);
    }
    if (auto services = body.string_list("services", 50, {.max_length = 64})) {
        json::array arr;
        for (const auto& s : *services) arr.push_back(json::string(s));
        spec["services"] = std::move(arr);
    }
    if (auto env = body.raw_object("env")) {
        if (env->size() > 500) throw invalid_field("env", "env has more than 500 variables");
        for (const auto& [k, v] : *env) {
            validate_env_key("env." + std::string(k), std::string(k));
            if (!v.is_string()) throw invalid_field("env." + std::string(k), "env." + std::string(k) + " must be a string");
            if (v.as_string().size() > 32768) throw invalid_field("env." + std::string(k), "env value is too long");
        }
        secrets.env = *env;
    }
}

// Bound services must exist in the same project.
asio::awaitable<void> check_services(Context& ctx, json::object spec) {
    const auto& services = spec.at("services").as_array();
    for (std::size_t i = 0; i < services.size(); ++i) {
        auto rows = co_await ctx.state.db->query("SELECT 1 FROM services WHERE id = $1 AND project_id = $2",
                                                 db::params(std::string(services[i].as_string()), ctx.param("project")));
        if (rows.empty())
            throw invalid_field("services[" + std::to_string(i) + "]", "services[" + std::to_string(i) + "] is not a service of this project");
    }
}

json::object default_spec(const std::string& name) {
    return {{"displayName", name},
            {"description", ""},
            {"git", json::object{}},
            {"registry", json::object{}},
            {"build", {{"type", "dockerfile"}}},
            {"domains", json::array{}},
            {"services", json::array{}}};
}

asio::awaitable<db::Result> load(Context& ctx) {
    co_return co_await ctx.state.db->query(std::string(kSelect) + "WHERE id = $1", db::params(ctx.param("app")));
}

asio::awaitable<Response> list(Context& ctx) {
    auto page = page_params(ctx.request, {"name"});
    std::string name = query_value(ctx.request, "name");
    auto rows = co_await ctx.state.db->query(
        std::string(kSelect) + "WHERE project_id = $1 AND id > $2 AND (CAST($3 AS TEXT) = '' OR name = $3) ORDER BY id LIMIT $4",
        db::params(ctx.param("project"), page.after, name, page.limit + 1));
    json::array items;
    for (const auto& r : rows.rows) items.push_back(app_json(ctx.state, r));
    co_return Response::json(200, page_result(std::move(items), page));
}

asio::awaitable<Response> create(Context& ctx) {
    auto body = BodyReader::parse(ctx.request.body);
    auto name = body.required_string("name", {.max_length = 63});
    validate_name("name", name);
    auto spec = default_spec(name);
    AppSecrets secrets;
    apply_body(body, spec, secrets);
    body.finish();
    co_await check_services(ctx, spec);
    auto id = crypto::new_id();
    auto now = crypto::now_ms();
    co_await ctx.state.db->transact([&](db::Session& s) -> asio::awaitable<void> {
        co_await s.query("INSERT INTO apps (id, team_id, project_id, name, spec, secrets, phase, message, created_at, updated_at) "
                         "VALUES ($1, $2, $3, $4, $5, $6, 'Pending', '', $7, $7)",
                         db::params(id, ctx.param("team"), ctx.param("project"), name, json::serialize(spec), seal_secrets(ctx.state, secrets), now));
        co_await record_usage(s, ctx.param("team"), "apps", 1, id);
        co_await audit(s, ctx.param("team"), ctx, "app.create", "app", id);
    });
    auto rows = co_await ctx.state.db->query(std::string(kSelect) + "WHERE id = $1", db::params(id));
    auto out = app_json(ctx.state, rows.one());
    ctx.state.events.publish("project:" + ctx.param("project"), "app.created", out);
    co_return with_etag(Response::json(201, out), 1);
}

asio::awaitable<Response> get(Context& ctx) {
    auto rows = co_await load(ctx);
    co_return with_etag(Response::json(200, app_json(ctx.state, rows.one())), rows.one().i64(8));
}

asio::awaitable<Response> update(Context& ctx) {
    auto rows = co_await load(ctx);
    const auto& row = rows.one();
    auto version = row.i64(8);
    auto spec = json::parse(row.str(2)).as_object();
    auto secrets = open_secrets(ctx.state, row.str(3));
    auto body = BodyReader::parse(ctx.request.body);
    apply_body(body, spec, secrets);
    body.finish();
    check_if_match(ctx.request, version);
    co_await check_services(ctx, spec);
    co_await ctx.state.db->transact([&](db::Session& s) -> asio::awaitable<void> {
        auto r = co_await s.query("UPDATE apps SET spec = $1, secrets = $2, updated_at = $3, version = version + 1 WHERE id = $4 AND version = $5",
                                  db::params(json::serialize(spec), seal_secrets(ctx.state, secrets), crypto::now_ms(), ctx.param("app"), version));
        if (r.affected == 0) throw precondition_failed();
        co_await audit(s, ctx.param("team"), ctx, "app.update", "app", ctx.param("app"));
    });
    rows = co_await load(ctx);
    auto out = app_json(ctx.state, rows.one());
    ctx.state.events.publish("app:" + ctx.param("app"), "app.updated", out);
    ctx.state.events.publish("project:" + ctx.param("project"), "app.updated", out);
    co_return with_etag(Response::json(200, out), rows.one().i64(8));
}

asio::awaitable<Response> remove(Context& ctx) {
    auto rows = co_await load(ctx);
    check_if_match(ctx.request, rows.one().i64(8));
    co_await ctx.state.db->transact([&](db::Session& s) -> asio::awaitable<void> {
        co_await s.query("DELETE FROM apps WHERE id = $1", db::params(ctx.param("app")));
        co_await audit(s, ctx.param("team"), ctx, "app.delete", "app", ctx.param("app"));
    });
    ctx.state.events.publish("app:" + ctx.param("app"), "app.deleted", {{"id", ctx.param("app")}});
    ctx.state.events.publish("project:" + ctx.param("project"), "app.deleted", {{"id", ctx.param("app")}});
    co_return Response::no_content();
}

asio::awaitable<Response> get_env(Context& ctx) {
    auto rows = co_await load(ctx);
    auto secrets = open_secrets(ctx.state, rows.one().str(3));
    co_return with_etag(Response::json(200, json::object{{"env", secrets.env}}), rows.one().i64(8));
}

asio::awaitable<Response> put_env(Context& ctx) {
    auto rows = co_await load(ctx);
    const auto& row = rows.one();
    auto version = row.i64(8);
    auto spec = json::parse(row.str(2)).as_object();
    auto secrets = open_secrets(ctx.state, row.str(3));
    auto body = BodyReader::parse(ctx.request.body);
    if (!body.has("env")) throw invalid_field("env", "env is required");
    apply_body(body, spec, secrets);  // only "env" is accepted: finish() refuses the rest
    body.finish();
    check_if_match(ctx.request, version);
    co_await ctx.state.db->transact([&](db::Session& s) -> asio::awaitable<void> {
        auto r = co_await s.query("UPDATE apps SET secrets = $1, updated_at = $2, version = version + 1 WHERE id = $3 AND version = $4",
                                  db::params(seal_secrets(ctx.state, secrets), crypto::now_ms(), ctx.param("app"), version));
        if (r.affected == 0) throw precondition_failed();
        co_await audit(s, ctx.param("team"), ctx, "app.env_update", "app", ctx.param("app"));
    });
    co_return with_etag(Response::json(200, json::object{{"env", secrets.env}}), version + 1);
}

}  // namespace

void add_app_routes(Router& r) {
    const std::string base = "/api/v1/teams/{team}/projects/{project}/apps";
    r.add({"GET", base, Access::team, Role::viewer, "List apps", "apps", list});
    r.add({"POST", base, Access::team, Role::developer, "Create an app", "apps", create, 201, true, false, true});
    r.add({"GET", base + "/{app}", Access::team, Role::viewer, "Show an app", "apps", get});
    r.add({"PATCH", base + "/{app}", Access::team, Role::developer, "Update an app", "apps", update, 200, true});
    r.add({"DELETE", base + "/{app}", Access::team, Role::admin, "Delete an app", "apps", remove, 204});
    r.add({"GET", base + "/{app}/env", Access::team, Role::developer, "Show the app's environment variables", "apps", get_env});
    r.add({"PUT", base + "/{app}/env", Access::team, Role::developer, "Replace the app's environment variables", "apps", put_env, 200, true});
}

}  // namespace sb::server::api
