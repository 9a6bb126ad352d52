// What a developer does with a running app: scale (replicas, resources,
// autoscaling, within the project's quota), restart, stop and start, its
// numbered releases and the rollback to one of them (image and config
// together), and its custom domains with their DNS target and certificate
// state as the operator reports them. Every change reaches the cluster as
// the app's App object (agent/cluster_objects app_object) through sync.
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "common/rfc3339.hpp"
#include "server/api/app_view.hpp"
#include "server/api/cluster_sync.hpp"
#include "server/api/helpers.hpp"
#include "server/api/releases.hpp"
#include "server/api/scale_body.hpp"
#include "server/store/build_store.hpp"
#include "server/store/project_store.hpp"
#include "server/store/release_store.hpp"
#include "server/store/service_store.hpp"

namespace sb::server::api {

namespace {

// A change of the app's spec (and, for a rollback, its secrets), written in
// one transaction with its audit entry and, when `release_kind` is set, its release.
struct Change {
    std::string action;        // the audit action
    std::string release_kind;  // empty: no release
    std::string description;   // empty: what describe_change finds
    std::string image, digest;
    std::optional<std::string> build_id;
    std::optional<store::Build> build;  // an AppBuild to create with the change (a rollback's)
};

void publish_release(Context& ctx, const store::Release& release) {
    auto data = release_json(release);
    ctx.state.events.publish("app:" + ctx.param("app"), "release.created", data);
    ctx.state.events.publish("project:" + ctx.param("project"), "release.created", data);
}

asio::awaitable<Response> commit(Context& ctx, store::App before, json::object spec, std::string sealed, Change change) {
    check_if_match(ctx.request, before.version);
    auto spec_text = json::serialize(spec);
    std::optional<store::Release> release;
    co_await ctx.state.db->transact([&](db::Session& s) -> asio::awaitable<void> {
        bool updated = co_await store::AppStore(s).update_spec(ctx.param("app"), spec_text, sealed, crypto::now_ms(), before.version);
        if (!updated) throw precondition_failed();
        if (change.build) co_await store::BuildStore(s).insert(ctx.param("team"), ctx.param("project"), *change.build);
        if (!change.release_kind.empty()) {
            auto description = change.description;
            if (description.empty())
                description = describe_change(deployable_config(json::parse(before.spec).as_object()), deployable_config(spec));
            NewRelease n{ctx.param("app"), change.release_kind, actor_of(ctx), description, change.image, change.digest,
                         change.build_id, spec_text, sealed, before.reported};
            release = co_await record_release(s, std::move(n));
        }
        co_await audit(s, ctx.param("team"), ctx, change.action, "app", ctx.param("app"));
    });
    auto app = co_await load_app(ctx);
    auto out = app_json(ctx.state, app);
    ctx.state.events.publish("app:" + ctx.param("app"), "app.updated", out);
    ctx.state.events.publish("project:" + ctx.param("project"), "app.updated", out);
    if (release) publish_release(ctx, *release);
    co_await sync_project_cluster(ctx.state, ctx.param("project"));
    co_return with_etag(Response::json(200, out), app.version);
}

asio::awaitable<Response> scale(Context& ctx) {
    auto app = co_await load_app(ctx);
    auto spec = json::parse(app.spec).as_object();
    auto body = BodyReader::parse(ctx.request.body);
    auto scaled = apply_scale_body(body, spec);
    body.finish();
    QuotaBlame blame;
    if (scaled.autoscaling && spec.contains("autoscaling")) blame.count_field = "autoscaling.maxReplicas";
    blame.resources_only = scaled.resources && !scaled.replicas && !scaled.autoscaling;
    co_await check_project_quota(ctx, spec, blame);
    Change change{"app.scale", "scale", "", "", "", {}, {}};
    Response response = co_await commit(ctx, app, std::move(spec), app.secrets, std::move(change));
    co_return response;
}

asio::awaitable<Response> restart(Context& ctx) {
    auto app = co_await load_app(ctx);
    auto spec = json::parse(app.spec).as_object();
    spec["restartedAt"] = sb::now_rfc3339(sb::Precision::microseconds);
    Change change{"app.restart", "", "", "", "", {}, {}};
    Response response = co_await commit(ctx, app, std::move(spec), app.secrets, std::move(change));
    co_return response;
}

asio::awaitable<Response> set_stopped(Context& ctx, bool stopped) {
    auto app = co_await load_app(ctx);
    auto spec = json::parse(app.spec).as_object();
    spec["stopped"] = stopped;  // replicas and autoscaling stay for the next start
    if (!stopped) {
        QuotaBlame blame;
        if (spec.contains("autoscaling")) blame.count_field = "autoscaling.maxReplicas";
        co_await check_project_quota(ctx, spec, blame);
    }
    Change change{stopped ? "app.stop" : "app.start", "", "", "", "", {}, {}};
    Response response = co_await commit(ctx, app, std::move(spec), app.secrets, std::move(change));
    co_return response;
}
asio::awaitable<Response> stop(Context& ctx) {
    Response response = co_await set_stopped(ctx, true);
    co_return response;
}
asio::awaitable<Response> start(Context& ctx) {
    Response response = co_await set_stopped(ctx, false);
    co_return response;
}

// "3" or "v3".
std::int64_t release_number(const std::string& field, std::string text) {
    if (text.starts_with("v")) text.erase(0, 1);
    std::int64_t n = 0;
    bool ok = !text.empty() && text.size() <= 15;
    for (char c : text) ok = ok && c >= '0' && c <= '9', n = ok ? n * 10 + (c - '0') : 0;
    if (!ok || n < 1) throw invalid_field(field, field + " must be a release number (3 or v3)");
    return n;
}

asio::awaitable<Response> list_releases(Context& ctx) {
    auto page = page_params(ctx.request);
    std::int64_t before = page.after.empty() ? 0 : release_number("after", page.after);
    auto releases = co_await store::ReleaseStore(*ctx.state.db).list(ctx.param("app"), before, page.limit + 1);
    json::array items;
    for (const auto& r : releases) items.push_back(release_json(r));
    json::value next = nullptr;
    if (static_cast<std::int64_t>(items.size()) > page.limit) {
        items.resize(static_cast<std::size_t>(page.limit));
        next = std::to_string(items.back().at("number").as_int64());
    }
    co_return Response::json(200, json::object{{"items", std::move(items)}, {"nextCursor", std::move(next)}});
}

asio::awaitable<Response> get_release(Context& ctx) {
    auto number = release_number("release", ctx.param("release"));
    auto release = co_await store::ReleaseStore(*ctx.state.db).find(ctx.param("app"), number);
    if (!release) throw not_found("release");
    co_return Response::json(200, release_json(*release));
}

asio::awaitable<Response> rollback(Context& ctx) {
    auto body = BodyReader::parse(ctx.request.body);
    auto wanted = body.integer("release", 1, 1'000'000'000'000);
    body.finish();
    auto app = co_await load_app(ctx);
    store::ReleaseStore releases(*ctx.state.db);
    auto current = co_await releases.latest(ctx.param("app"));
    if (!current) throw conflict("the app has no releases yet: nothing to roll back to", "release");
    std::int64_t number = wanted ? *wanted : current->number - 1;
    if (number < 1) throw conflict("v" + std::to_string(current->number) + " is the app's first release: nothing before it", "release");
    auto target = co_await releases.find(ctx.param("app"), number);
    if (!target)
        throw ApiError(422, "invalid_release", "the app has no release v" + std::to_string(number) + " (the newest is v" +
                                                   std::to_string(current->number) + ")", "release");
    if (target->image.empty())
        throw ApiError(422, "release_without_image",
                       "v" + std::to_string(number) + " has no image (it was made before any build deployed); "
                       "roll back to a release that has one",
                       "release");
    auto project = co_await store::ProjectStore(*ctx.state.db).find(ctx.param("project"));
    if (!project || !project->cluster_id)
        throw conflict("project has no cluster to deploy to: set the project's clusterId first", "clusterId");
    // Config and env as they were; the credentials stay the current ones.
    auto spec = json::parse(app.spec).as_object();
    auto config = json::parse(target->config).as_object();
    restore_config(spec, config);
    auto secrets = open_secrets(ctx.state, app.secrets);
    secrets.env = open_secrets(ctx.state, target->secrets).env;
    summarise_secrets(spec, secrets);
    if (const auto* services = spec.if_contains("services"); services && services->is_array())
        for (const auto& id : services->get_array()) {
            bool exists = co_await store::ServiceStore(*ctx.state.db).exists_in_project(std::string(id.as_string()), ctx.param("project"));
            if (!exists)
                throw conflict("v" + std::to_string(number) + " binds the service " + std::string(id.as_string()) +
                                   ", which no longer exists", "release");
        }
    co_await check_domains_unique(ctx, spec, "release");
    QuotaBlame blame;
    if (spec.contains("autoscaling")) blame.count_field = "autoscaling.maxReplicas";
    co_await check_project_quota(ctx, spec, blame);
    // The operator deploys the old image without building: an AppBuild with spec.image.
    auto build_id = crypto::new_id();
    store::Build build{build_id, ctx.param("app"), "HEAD", build_id, "Pending", "", "builds/" + build_id, crypto::now_ms(),
                       {}, {}, 1, "rollback", target->image};
    Change change{"app.rollback", "rollback", "rollback to v" + std::to_string(number), target->image, target->digest, build_id,
                  std::move(build)};
    auto sealed = seal_secrets(ctx.state, secrets);
    Response response = co_await commit(ctx, app, std::move(spec), std::move(sealed), std::move(change));
    co_return response;
}

// The state the operator reported for each host (status.domains).
json::object reported_domains(const store::App& app, json::value& dns_target, json::value& default_host) {
    std::error_code ec;
    auto parsed = json::parse(app.reported, ec);
    json::object by_host;
    if (ec || !parsed.is_object()) return by_host;
    const auto& reported = parsed.get_object();
    if (const auto* t = reported.if_contains("dnsTarget"); t && t->is_string()) dns_target = *t;
    if (const auto* list = reported.if_contains("domains"); list && list->is_array())
        for (const auto& d : list->get_array()) {
            if (!d.is_object() || !d.get_object().contains("host") || !d.at("host").is_string()) continue;
            by_host[d.at("host").get_string()] = d;
            if (const auto* def = d.get_object().if_contains("default"); def && def->is_bool() && def->get_bool())
                default_host = d.at("host");
        }
    return by_host;
}

json::object domain_json(const std::string& host, const json::object& reported, const json::value& dns_target) {
    json::object out{{"host", host}, {"dnsTarget", dns_target}, {"certificate", "pending"}, {"reason", nullptr},
                     {"notAfter", nullptr}, {"secretName", nullptr}, {"reported", false}};
    if (const auto* r = reported.if_contains(host); r && r->is_object()) {
        const auto& o = r->get_object();
        out["reported"] = true;
        if (const auto* c = o.if_contains("certificate"); c && c->is_string()) {
            std::string state(c->get_string());
            for (auto& ch : state) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
            out["certificate"] = state;
        }
        for (std::string_view key : {"reason", "notAfter", "secretName"})
            if (const auto* v = o.if_contains(key); v && v->is_string()) out[key] = *v;
    }
    return out;
}

json::array domains_of(const json::object& spec) {
    const auto* d = spec.if_contains("domains");
    return d && d->is_array() ? d->get_array() : json::array{};
}

asio::awaitable<Response> list_domains(Context& ctx) {
    auto app = co_await load_app(ctx);
    json::value dns_target = nullptr, default_host = nullptr;
    auto reported = reported_domains(app, dns_target, default_host);
    json::array items;
    for (const auto& host : domains_of(json::parse(app.spec).as_object()))
        items.push_back(domain_json(std::string(host.as_string()), reported, dns_target));
    json::value default_domain = nullptr;
    if (default_host.is_string()) default_domain = domain_json(std::string(default_host.as_string()), reported, dns_target);
    co_return with_etag(Response::json(200, json::object{{"items", std::move(items)}, {"default", std::move(default_domain)},
                                                         {"dnsTarget", dns_target}}),
                        app.version);
}

asio::awaitable<Response> add_domain(Context& ctx) {
    auto body = BodyReader::parse(ctx.request.body);
    auto host = body.required_string("host", {.max_length = 253, .allow_empty = false});
    body.finish();
    for (auto& c : host) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    validate_domain("host", host);
    auto app = co_await load_app(ctx);
    auto spec = json::parse(app.spec).as_object();
    auto domains = domains_of(spec);
    for (const auto& d : domains)
        if (d.as_string() == host) throw conflict(host + " is already a domain of this app", "host");
    if (domains.size() >= 50) throw invalid_field("host", "an app has at most 50 domains");
    domains.emplace_back(host);
    spec["domains"] = domains;
    json::object one{{"domains", json::array{json::string(host)}}};
    co_await check_domains_unique(ctx, one, "host");
    Change change{"app.domain_add", "domains", "", "", "", {}, {}};
    Response response = co_await commit(ctx, app, std::move(spec), app.secrets, std::move(change));
    response.status = 201;
    co_return response;
}

asio::awaitable<Response> remove_domain(Context& ctx) {
    auto app = co_await load_app(ctx);
    auto spec = json::parse(app.spec).as_object();
    auto domains = domains_of(spec);
    json::array kept;
    for (const auto& d : domains)
        if (d.as_string() != ctx.param("host")) kept.push_back(d);
    if (kept.size() == domains.size()) throw not_found("domain");
    spec["domains"] = std::move(kept);
    Change change{"app.domain_remove", "domains", "", "", "", {}, {}};
    Response changed = co_await commit(ctx, app, std::move(spec), app.secrets, std::move(change));
    (void)changed;
    co_return Response::no_content();
}

}  // namespace

// The OpenAPI schemas of these routes' bodies and answers.
namespace schema {

json::object str() { return {{"type", "string"}}; }
json::object nullable(json::object o) {
    o["nullable"] = true;
    return o;
}
json::object integer(std::int64_t min, std::int64_t max) { return {{"type", "integer"}, {"minimum", min}, {"maximum", max}}; }
json::object object(json::object properties, json::array required = {}) {
    json::object o{{"type", "object"}, {"properties", std::move(properties)}, {"additionalProperties", false}};
    if (!required.empty()) o["required"] = std::move(required);
    return o;
}
json::object quantity() {
    return {{"oneOf", json::array{json::object{{"type", "string"}, {"pattern", "^(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE][-+]?[0-9]+))?$"}},
                                  json::object{{"type", "integer"}, {"minimum", 0}}}},
            {"description", "A Kubernetes quantity: 500m, 2, 512Mi, 1G"}};
}
json::object cpu_memory() { return object({{"cpu", quantity()}, {"memory", quantity()}}); }
json::object resources() { return object({{"requests", cpu_memory()}, {"limits", cpu_memory()}}); }
json::object autoscaling() {
    return object({{"minReplicas", integer(1, 1000)},
                   {"maxReplicas", integer(1, 1000)},
                   {"targetCPUUtilizationPercentage", integer(1, 1000)},
                   {"targetMemoryUtilizationPercentage", integer(1, 1000)}},
                  {"maxReplicas"});
}
json::object scale_request() {
    return object({{"replicas", integer(0, 1000)}, {"resources", nullable(resources())}, {"autoscaling", nullable(autoscaling())}});
}
json::object app() {
    return {{"type", "object"},
            {"description", "The app (as GET .../apps/{app} shows it)"},
            {"properties",
             {{"id", str()},
              {"name", str()},
              {"replicas", integer(0, 1000)},
              {"stopped", {{"type", "boolean"}}},
              {"restartedAt", nullable({{"type", "string"}, {"format", "date-time"}})},
              {"resources", resources()},
              {"autoscaling", nullable(autoscaling())},
              {"domains", {{"type", "array"}, {"items", str()}}},
              {"release", nullable(integer(1, 1'000'000'000'000))},
              {"status",
               {{"type", "object"},
                {"properties",
                 {{"phase", str()},
                  {"message", str()},
                  {"currentImage", nullable(str())},
                  {"previousImage", nullable(str())},
                  {"url", nullable(str())},
                  {"dnsTarget", nullable(str())},
                  {"readyReplicas", nullable({{"type", "integer"}})},
                  {"domains", {{"type", "array"}, {"items", {{"type", "object"}}}}}}}}},
              {"version", {{"type", "integer"}}}}}};
}
json::object release() {
    return {{"type", "object"},
            {"required", json::array{"number", "kind", "actor", "createdAt"}},
            {"properties",
             {{"id", str()},
              {"appId", str()},
              {"number", integer(1, 1'000'000'000'000)},
              {"version", str()},
              {"kind", {{"type", "string"}, {"enum", json::array{"build", "image", "env", "config", "scale", "domains", "rollback"}}}},
              {"actor", str()},
              {"description", str()},
              {"image", nullable(str())},
              {"digest", nullable(str())},
              {"buildId", nullable(str())},
              {"config", {{"type", "object"}, {"description", "replicas, resources, autoscaling, domains, services, build, envKeys"}}},
              {"createdAt", {{"type", "string"}, {"format", "date-time"}}}}}};
}
json::object page(json::object item) {
    return {{"type", "object"},
            {"properties", {{"items", {{"type", "array"}, {"items", std::move(item)}}}, {"nextCursor", nullable(str())}}}};
}
json::object domain() {
    return {{"type", "object"},
            {"properties",
             {{"host", str()},
              {"dnsTarget", nullable(str())},
              {"certificate", {{"type", "string"}, {"enum", json::array{"pending", "none", "issued", "failed"}}}},
              {"reason", nullable(str())},
              {"notAfter", nullable({{"type", "string"}, {"format", "date-time"}})},
              {"secretName", nullable(str())},
              {"reported", {{"type", "boolean"}, {"description", "false until the operator reported this host"}}}}}};
}
json::object domains() {
    return {{"type", "object"},
            {"properties", {{"items", {{"type", "array"}, {"items", domain()}}}, {"default", nullable(domain())}, {"dnsTarget", nullable(str())}}}};
}

}  // namespace schema

Route typed(Route route, json::object request, json::object response) {
    route.request_schema = std::move(request);
    route.response_schema = std::move(response);
    return route;
}

void add_lifecycle_routes(Router& r) {
    const std::string app = "/api/v1/teams/{team}/projects/{project}/apps/{app}";
    const json::object none;
    r.add(typed({"POST", app + "/scale", Access::team, Role::developer, "Scale an app: replicas, resources, autoscaling", "apps", scale, 200, true},
                schema::scale_request(), schema::app()));
    r.add(typed({"POST", app + "/restart", Access::team, Role::developer, "Restart an app's pods one by one", "apps", restart}, none,
                schema::app()));
    r.add(typed({"POST", app + "/stop", Access::team, Role::developer, "Stop an app (scale to zero, replicas kept)", "apps", stop}, none,
                schema::app()));
    r.add(typed({"POST", app + "/start", Access::team, Role::developer, "Start a stopped app again", "apps", start}, none, schema::app()));
    r.add(typed({"GET", app + "/releases", Access::team, Role::viewer, "List an app's releases, newest first", "releases", list_releases},
                none, schema::page(schema::release())));
    r.add(typed({"GET", app + "/releases/{release}", Access::team, Role::viewer, "Show a release", "releases", get_release}, none,
                schema::release()));
    r.add(typed({"POST", app + "/rollback", Access::team, Role::developer, "Roll back to an earlier release (image and config)",
                 "releases", rollback, 200, true},
                schema::object({{"release", schema::integer(1, 1'000'000'000'000)}}), schema::app()));
    r.add(typed({"GET", app + "/domains", Access::team, Role::viewer, "List an app's domains with DNS target and certificate state",
                 "domains", list_domains},
                none, schema::domains()));
    r.add(typed({"POST", app + "/domains", Access::team, Role::developer, "Add a domain to an app", "domains", add_domain, 201, true},
                schema::object({{"host", {{"type", "string"}, {"maxLength", 253}}}}, {"host"}), schema::app()));
    r.add({"DELETE", app + "/domains/{host}", Access::team, Role::developer, "Remove a domain from an app", "domains", remove_domain,
           204});
}

}  // namespace sb::server::api
