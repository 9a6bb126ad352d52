// Apps: source (git or image), registry, build settings, domains, bound
// services, and environment variables. Env values and credentials are
// sealed with the master key before they reach the database.
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "agent/limits.hpp"
#include "server/api/app_body.hpp"
#include "server/api/app_view.hpp"
#include "server/api/cluster_sync.hpp"
#include "server/api/helpers.hpp"
#include "server/api/releases.hpp"
#include "server/api/reported_status.hpp"
#include "server/store/app_store.hpp"
#include "server/store/project_store.hpp"
#include "server/store/service_store.hpp"

namespace sb::server::api {

namespace {

// The env reaches the cluster in one appSecret message (docs/agent-protocol.md).
void check_env_fits(const AppSecrets& s) {
    std::size_t bytes = 0;
    for (const auto& [k, v] : s.env) bytes += k.size() + (v.is_string() ? v.get_string().size() : 0);
    if (bytes > sb::agent::kMaxSecretDataBytes)
        throw invalid_field("env", "env holds " + std::to_string(bytes) + " bytes of names and values; at most " +
                                       std::to_string(sb::agent::kMaxSecretDataBytes) + " are allowed");
}

// What responses show of the sealed secrets, kept in clear in the spec so
// that showing or listing apps opens no secret box.
constexpr const char* kSecretSummary = "secretSummary";
json::object secret_summary(const AppSecrets& s) {
    json::array keys;
    for (const auto& [k, _] : s.env) keys.push_back(json::string(k));
    return {{"envKeys", std::move(keys)}, {"hasToken", !s.git_token.empty()}, {"hasPassword", !s.registry_password.empty()}};
}

// The reported status fields the API shows (the operator's App .status),
// null until the cluster reports them.
void add_app_status(json::object& status, const json::object& reported) {
    for (std::string_view key : {"currentImage", "previousImage", "url", "dnsTarget"}) {
        const auto* v = reported.if_contains(key);
        status[key] = v && v->is_string() ? *v : json::value(nullptr);
    }
    const auto* ready = reported.if_contains("replicas");
    status["readyReplicas"] = ready && ready->is_int64() ? *ready : json::value(nullptr);
    const auto* domains = reported.if_contains("domains");
    status["domains"] = domains && domains->is_array() ? *domains : json::value(json::array{});
}

// A release when the change touched what is deployed (not for a new
// display name, say); `kind` names the change.
asio::awaitable<void> release_if_changed(db::Session& s, Context& ctx, store::App before, std::string spec, std::string secrets,
                                         std::string kind, bool env_values_changed) {
    auto old_config = deployable_config(json::parse(before.spec).as_object());
    auto new_config = deployable_config(json::parse(spec).as_object());
    auto description = describe_change(old_config, new_config);
    if (description.empty() && env_values_changed) description = "env values changed";
    if (description.empty()) co_return;
    if (kind.empty()) {
        bool only_domains = old_config.at("domains") != new_config.at("domains") && [&] {
            auto a = old_config, b = new_config;
            a.erase("domains"), b.erase("domains");
            return a == b;
        }();
        bool only_env = old_config.at("envKeys") != new_config.at("envKeys") || env_values_changed;
        auto a = old_config, b = new_config;
        a.erase("envKeys"), b.erase("envKeys");
        kind = only_domains ? "domains" : (only_env && a == b) ? "env" : "config";
    }
    NewRelease release{ctx.param("app"), kind, actor_of(ctx), description, "", "", std::nullopt, spec, secrets, before.reported};
    store::Release made = co_await record_release(s, std::move(release));
    (void)made;
}

}  // namespace

AppSecrets open_secrets(const ServerState& state, const std::string& sealed) {
    return app_secrets_from_json(state.secrets.open(sealed));
}

std::string seal_secrets(const ServerState& state, const AppSecrets& s) {
    return state.secrets.seal(app_secrets_json(s));
}

void summarise_secrets(json::object& spec, const AppSecrets& secrets) { spec[kSecretSummary] = secret_summary(secrets); }

json::object app_json(const ServerState& state, const store::App& app) {
    auto spec = json::parse(app.spec).as_object();
    json::object summary;
    if (auto* stored = spec.if_contains(kSecretSummary)) summary = stored->as_object();
    else summary = secret_summary(open_secrets(state, app.secrets));  // an app stored before summaries existed
    spec.erase(kSecretSummary);
    spec["git"].as_object()["hasToken"] = summary.at("hasToken");
    spec["registry"].as_object()["hasPassword"] = summary.at("hasPassword");
    json::object out{{"id", app.id}, {"name", app.name}};
    out["replicas"] = 1;
    out["stopped"] = false;
    out["resources"] = json::object{};
    out["autoscaling"] = nullptr;
    out["restartedAt"] = nullptr;
    for (auto& [k, v] : spec) out[k] = v;
    out["envKeys"] = summary.at("envKeys");
    out["release"] = app.release ? json::value(*app.release) : json::value(nullptr);
    // build.type is what was asked for; status.buildType what the cluster
    // builds with (for detect: what the deployed build detected).
    json::object status{{"phase", app.phase}, {"message", app.message}};
    auto reported = reported_object(app.reported);
    add_reported_fields(status, reported, {"buildType"});
    add_app_status(status, reported);
    out["status"] = std::move(status);
    // What the cluster last reported (images, URL, replicas, latest build), as app.status events carry it.
    out["reported"] = std::move(reported);
    out["createdAt"] = timestamp(app.created_at);
    out["updatedAt"] = timestamp(app.updated_at);
    out["version"] = app.version;
    return out;
}

asio::awaitable<void> check_services(Context& ctx, json::object spec) {
    const auto& services = spec.at("services").as_array();
    for (std::size_t i = 0; i < services.size(); ++i) {
        bool found = co_await store::ServiceStore(*ctx.state.db)
                         .exists_in_project(std::string(services[i].as_string()), ctx.param("project"));
        if (!found)
            throw invalid_field("services[" + std::to_string(i) + "]", "services[" + std::to_string(i) + "] is not a service of this project");
    }
}

asio::awaitable<void> check_domains_unique(Context& ctx, json::object spec, std::string field) {
    const auto* domains = spec.if_contains("domains");
    if (!domains || !domains->is_array()) co_return;
    const auto& list = domains->get_array();
    for (std::size_t i = 0; i < list.size(); ++i) {
        std::string host(list[i].as_string());
        auto holders = co_await store::AppStore(*ctx.state.db).maybe_with_domain(ctx.param("team"), host);
        for (const auto& other : holders) {
            if (other.id == ctx.params["app"]) continue;
            auto other_spec = json::parse(other.spec).as_object();
            const auto* theirs = other_spec.if_contains("domains");
            if (!theirs || !theirs->is_array()) continue;
            for (const auto& d : theirs->get_array())
                if (d.is_string() && d.get_string() == host)
                    throw conflict(host + " is already a domain of the app " + other.name + " (" + other.id + ")",
                                   field.empty() ? "domains[" + std::to_string(i) + "]" : field);
        }
    }
}

asio::awaitable<void> check_project_quota(Context& ctx, json::object spec, QuotaBlame blame) {
    auto project = co_await store::ProjectStore(*ctx.state.db).find(ctx.param("project"));
    if (!project) co_return;
    auto quota = json::parse(project->quota).as_object();
    if (quota.empty()) co_return;
    std::vector<Footprint> others;
    auto apps = co_await store::AppStore(*ctx.state.db).all_in_project(ctx.param("project"));
    for (const auto& app : apps)
        if (app.id != ctx.params["app"]) others.push_back(footprint(json::parse(app.spec).as_object()));
    check_quota(quota, footprint(spec), others, blame);
}

asio::awaitable<store::App> load_app(Context& ctx) {
    auto app = co_await store::AppStore(*ctx.state.db).find(ctx.param("app"));
    if (!app) throw not_found("app");
    co_return std::move(*app);
}

namespace {

asio::awaitable<Response> list(Context& ctx) {
    auto page = page_params(ctx.request, {"name"});
    std::string name = query_value(ctx.request, "name");
    auto apps = co_await store::AppStore(*ctx.state.db).list(ctx.param("project"), page_query(page), name);
    auto items = json_items(apps, [&](const store::App& a) { return app_json(ctx.state, a); });
    co_return Response::json(200, page_result(std::move(items), page));
}

asio::awaitable<Response> create(Context& ctx) {
    auto body = BodyReader::parse(ctx.request.body);
    auto name = body.required_string("name", {.max_length = 63});
    validate_name("name", name);
    auto spec = default_app_spec(name);
    AppSecrets secrets;
    apply_app_body(body, spec, secrets);
    check_env_fits(secrets);
    spec[kSecretSummary] = secret_summary(secrets);
    body.finish();
    co_await check_services(ctx, spec);
    co_await check_domains_unique(ctx, spec, "");
    auto id = crypto::new_id();
    auto now = crypto::now_ms();
    json::object out;
    Response response;
    co_await ctx.state.db->transact([&](db::Session& s) -> asio::awaitable<void> {
        store::AppStore apps(s);
        co_await apps.insert(id, ctx.param("team"), ctx.param("project"), name, json::serialize(spec), seal_secrets(ctx.state, secrets), now);
        co_await record_usage(s, ctx.param("team"), "apps", 1, id);
        co_await audit(s, ctx.param("team"), ctx, "app.create", "app", id);
        auto app = co_await apps.find(id);
        out = app_json(ctx.state, *app);
        auto made = with_etag(Response::json(201, out), 1);
        response = co_await created(s, ctx, std::move(made));
    });
    ctx.state.events.publish("project:" + ctx.param("project"), "app.created", out);
    co_await sync_project_cluster(ctx.state, ctx.param("project"));
    co_return response;
}

asio::awaitable<Response> get(Context& ctx) {
    auto app = co_await load_app(ctx);
    co_return with_etag(Response::json(200, app_json(ctx.state, app)), app.version);
}

asio::awaitable<Response> update(Context& ctx) {
    auto app = co_await load_app(ctx);
    const auto before = app;
    auto version = app.version;
    auto spec = json::parse(app.spec).as_object();
    auto secrets = open_secrets(ctx.state, app.secrets);
    const auto old_env = secrets.env;
    auto body = BodyReader::parse(ctx.request.body);
    apply_app_body(body, spec, secrets);
    check_env_fits(secrets);
    spec[kSecretSummary] = secret_summary(secrets);
    body.finish();
    check_if_match(ctx.request, version);
    co_await check_services(ctx, spec);
    co_await check_domains_unique(ctx, spec, "");
    const auto spec_text = json::serialize(spec);
    const auto sealed = seal_secrets(ctx.state, secrets);
    co_await ctx.state.db->transact([&](db::Session& s) -> asio::awaitable<void> {
        bool updated = co_await store::AppStore(s).update_spec(ctx.param("app"), spec_text, sealed, crypto::now_ms(), version);
        if (!updated) throw precondition_failed();
        co_await release_if_changed(s, ctx, before, spec_text, sealed, "", old_env != secrets.env);
        co_await audit(s, ctx.param("team"), ctx, "app.update", "app", ctx.param("app"));
    });
    app = co_await load_app(ctx);
    auto out = app_json(ctx.state, app);
    ctx.state.events.publish("app:" + ctx.param("app"), "app.updated", out);
    ctx.state.events.publish("project:" + ctx.param("project"), "app.updated", out);
    co_await sync_project_cluster(ctx.state, ctx.param("project"));
    co_return with_etag(Response::json(200, out), app.version);
}

asio::awaitable<Response> remove(Context& ctx) {
    auto app = co_await load_app(ctx);
    check_if_match(ctx.request, app.version);
    co_await ctx.state.db->transact([&](db::Session& s) -> asio::awaitable<void> {
        co_await request_cluster_delete(s, ctx.param("project"), "App", app.name);
        co_await store::AppStore(s).remove(ctx.param("app"));
        co_await audit(s, ctx.param("team"), ctx, "app.delete", "app", ctx.param("app"));
    });
    ctx.state.events.publish("app:" + ctx.param("app"), "app.deleted", {{"id", ctx.param("app")}});
    ctx.state.events.publish("project:" + ctx.param("project"), "app.deleted", {{"id", ctx.param("app")}});
    co_await sync_project_cluster(ctx.state, ctx.param("project"));
    co_return Response::no_content();
}

asio::awaitable<Response> get_env(Context& ctx) {
    auto app = co_await load_app(ctx);
    auto secrets = open_secrets(ctx.state, app.secrets);
    co_return with_etag(Response::json(200, json::object{{"env", secrets.env}}), app.version);
}

asio::awaitable<Response> put_env(Context& ctx) {
    auto app = co_await load_app(ctx);
    const auto before = app;
    auto version = app.version;
    auto spec = json::parse(app.spec).as_object();
    auto secrets = open_secrets(ctx.state, app.secrets);
    const auto old_env = secrets.env;
    auto body = BodyReader::parse(ctx.request.body);
    if (!body.has("env")) throw invalid_field("env", "env is required");
    apply_app_body(body, spec, secrets);  // only "env" is accepted: finish() refuses the rest
    check_env_fits(secrets);
    spec[kSecretSummary] = secret_summary(secrets);
    body.finish();
    check_if_match(ctx.request, version);
    const auto spec_text = json::serialize(spec);
    const auto sealed = seal_secrets(ctx.state, secrets);
    co_await ctx.state.db->transact([&](db::Session& s) -> asio::awaitable<void> {
        bool updated = co_await store::AppStore(s).update_spec(ctx.param("app"), spec_text, sealed, crypto::now_ms(), version);
        if (!updated) throw precondition_failed();
        co_await release_if_changed(s, ctx, before, spec_text, sealed, "env", old_env != secrets.env);
        co_await audit(s, ctx.param("team"), ctx, "app.env_update", "app", ctx.param("app"));
    });
    app = co_await load_app(ctx);
    auto out = app_json(ctx.state, app);
    ctx.state.events.publish("app:" + ctx.param("app"), "app.updated", out);
    ctx.state.events.publish("project:" + ctx.param("project"), "app.updated", out);
    co_await sync_project_cluster(ctx.state, ctx.param("project"));  // the values go as the app's Secret, never in the App
    co_return with_etag(Response::json(200, json::object{{"env", secrets.env}}), version + 1);
}

}  // namespace

void add_app_routes(Router& r) {
    const std::string base = "/api/v1/teams/{team}/projects/{project}/apps";
    r.add({"GET", base, Access::team, Role::viewer, "List apps", "apps", list});
    Route create_route{"POST", base, Access::team, Role::developer, "Create an app", "apps", create, 201, true, true};
    create_route.request_schema = app_body_schema();
    r.add(std::move(create_route));
    r.add({"GET", base + "/{app}", Access::team, Role::viewer, "Show an app", "apps", get});
    Route update_route{"PATCH", base + "/{app}", Access::team, Role::developer, "Update an app", "apps", update, 200, true};
    update_route.request_schema = app_body_schema();
    r.add(std::move(update_route));
    r.add({"DELETE", base + "/{app}", Access::team, Role::admin, "Delete an app", "apps", remove, 204});
    r.add({"GET", base + "/{app}/env", Access::team, Role::developer, "Show the app's environment variables", "apps", get_env});
    r.add({"PUT", base + "/{app}/env", Access::team, Role::developer, "Replace the app's environment variables", "apps", put_env, 200, true});
}

}  // namespace sb::server::api
