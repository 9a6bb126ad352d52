// Apps: source (git or image), registry, build settings, domains, bound
// services, and environment variables. Env values and credentials are
// sealed with the master key before they reach the database.
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "server/api/app_body.hpp"
#include "server/api/helpers.hpp"

namespace sb::server::api {

namespace {

constexpr const char* kSelect = "SELECT id, name, spec, secrets, phase, message, created_at, updated_at, version FROM apps ";

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

// What responses show of the sealed secrets, kept in clear in the spec so
// that showing or listing apps opens no secret box.
constexpr const char* kSecretSummary = "secretSummary";
json::object secret_summary(const AppSecrets& s) {
    json::array keys;
    for (const auto& [k, _] : s.env) keys.push_back(json::string(k));
    return {{"envKeys", std::move(keys)}, {"hasToken", !s.git_token.empty()}, {"hasPassword", !s.registry_password.empty()}};
}

json::object app_json(const ServerState& state, const db::Row& r) {
    auto spec = json::parse(r.str(2)).as_object();
    json::object summary;
    if (auto* stored = spec.if_contains(kSecretSummary)) summary = stored->as_object();
    else summary = secret_summary(open_secrets(state, r.str(3)));  // an app stored before summaries existed
    spec.erase(kSecretSummary);
    spec["git"].as_object()["hasToken"] = summary.at("hasToken");
    spec["registry"].as_object()["hasPassword"] = summary.at("hasPassword");
    json::object out{{"id", r.str(0)}, {"name", r.str(1)}};
    for (auto& [k, v] : spec) out[k] = v;
    out["envKeys"] = summary.at("envKeys");
    out["status"] = {{"phase", r.str(4)}, {"message", r.str(5)}};
    out["createdAt"] = timestamp(r.i64(6));
    out["updatedAt"] = timestamp(r.i64(7));
    out["version"] = r.i64(8);
    return out;
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
    auto spec = default_app_spec(name);
    AppSecrets secrets;
    apply_app_body(body, spec, secrets);
    spec[kSecretSummary] = secret_summary(secrets);
    body.finish();
    co_await check_services(ctx, spec);
    auto id = crypto::new_id();
    auto now = crypto::now_ms();
    json::object out;
    Response response;
    co_await ctx.state.db->transact([&](db::Session& s) -> asio::awaitable<void> {
        co_await s.query("INSERT INTO apps (id, team_id, project_id, name, spec, secrets, phase, message, created_at, updated_at) "
                         "VALUES ($1, $2, $3, $4, $5, $6, 'Pending', '', $7, $7)",
                         db::params(id, ctx.param("team"), ctx.param("project"), name, json::serialize(spec), seal_secrets(ctx.state, secrets), now));
        co_await record_usage(s, ctx.param("team"), "apps", 1, id);
        co_await audit(s, ctx.param("team"), ctx, "app.create", "app", id);
        auto rows = co_await s.query(std::string(kSelect) + "WHERE id = $1", db::params(id));
        out = app_json(ctx.state, rows.one());
        auto made = with_etag(Response::json(201, out), 1);
        response = co_await created(s, ctx, std::move(made));
    });
    ctx.state.events.publish("project:" + ctx.param("project"), "app.created", out);
    co_return response;
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
    apply_app_body(body, spec, secrets);
    spec[kSecretSummary] = secret_summary(secrets);
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
    apply_app_body(body, spec, secrets);  // only "env" is accepted: finish() refuses the rest
    spec[kSecretSummary] = secret_summary(secrets);
    body.finish();
    check_if_match(ctx.request, version);
    co_await ctx.state.db->transact([&](db::Session& s) -> asio::awaitable<void> {
        auto r = co_await s.query("UPDATE apps SET spec = $1, secrets = $2, updated_at = $3, version = version + 1 WHERE id = $4 AND version = $5",
                                  db::params(json::serialize(spec), seal_secrets(ctx.state, secrets), crypto::now_ms(), ctx.param("app"), version));
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
