// Git webhooks: one per app. A forge POSTs its push deliveries to
// /api/v1/hooks/{webhook} (a random id: the URL names no team, project or
// app); the delivery carries no credential but its signature, checked with the
// webhook's secret (sealed with the master key: the HMAC schemes need it in
// clear). A push to the app's tracked branch starts a build of exactly the
// pushed commit; a redelivery, or another delivery of a commit a webhook
// already built, starts nothing (docs/webhooks.md).
#include <boost/json/parse.hpp>

#include "server/api/build_start.hpp"
#include "server/api/cluster_registration.hpp"
#include "server/api/helpers.hpp"
#include "server/store/app_store.hpp"
#include "server/store/audit_store.hpp"
#include "server/store/webhook_store.hpp"
#include "server/webhooks/forge.hpp"
#include "server/webhooks/push_event.hpp"
#include "server/webhooks/signature.hpp"

namespace sb::server::api {

namespace {

using webhooks::Forge;

// Forges cap their own payloads higher (GitHub: 25 MB), but a push delivery
// lists at most a few commits; anything larger is not one.
constexpr std::size_t kMaxDeliveryBytes = 1 << 20;
constexpr std::int64_t kDeliveriesShown = 20;
constexpr std::int64_t kUnacceptedKept = 50;
const char* const kHookPath = "/api/v1/hooks/";

json::array forge_names() {
    return {"github", "gitlab", "gitea", "forgejo", "bitbucket"};
}

// The branch and repository the app builds from: its git source.
struct Tracked {
    std::string branch;      // "" when the app has no git source
    std::string repository;  // git.url, may be ""
};

Tracked tracked_of(const store::App& app) {
    Tracked t;
    auto spec = json::parse(app.spec).as_object();
    const auto* git = spec.if_contains("git");
    if (!git || !git->is_object()) return t;
    const auto& g = git->get_object();
    if (const auto* url = g.if_contains("url"); url && url->is_string()) t.repository = std::string(url->get_string());
    if (const auto* branch = g.if_contains("branch"); branch && branch->is_string()) t.branch = std::string(branch->get_string());
    if (t.branch.empty() && !t.repository.empty()) t.branch = "main";
    return t;
}

json::object delivery_json(const store::WebhookDelivery& d) {
    return {{"id", d.id}, {"forge", d.forge}, {"deliveryId", d.delivery_id}, {"event", d.event},
            {"ref", d.ref.empty() ? json::value(nullptr) : json::value(d.ref)},
            {"commit", d.commit_sha.empty() ? json::value(nullptr) : json::value(d.commit_sha)},
            {"status", d.status}, {"result", d.result}, {"message", d.message},
            {"buildId", d.build_id ? json::value(*d.build_id) : json::value(nullptr)}, {"receivedAt", timestamp(d.received_at)}};
}

asio::awaitable<json::object> webhook_json(Context& ctx, const store::Webhook& hook) {
    auto app = co_await store::AppStore(*ctx.state.db).find(hook.app_id);
    if (!app) throw not_found("app");
    auto tracked = tracked_of(*app);
    auto deliveries = co_await store::WebhookStore(*ctx.state.db).recent(hook.id, kDeliveriesShown);
    co_return json::object{
        {"url", public_url(ctx.state, ctx.request) + kHookPath + hook.id},
        {"contentType", "application/json"},
        {"forges", forge_names()},
        {"branch", tracked.branch.empty() ? json::value(nullptr) : json::value(tracked.branch)},
        {"repository", tracked.repository.empty() ? json::value(nullptr) : json::value(tracked.repository)},
        {"createdAt", timestamp(hook.created_at)},
        {"secretRotatedAt", timestamp(hook.rotated_at)},
        {"lastDeliveries", json_items(deliveries, delivery_json)},
    };
}

asio::awaitable<Response> show(Context& ctx) {
    auto hook = co_await store::WebhookStore(*ctx.state.db).find_for_app(ctx.param("app"));
    if (!hook) throw ApiError(404, "not_found", "this app has no webhook: POST to this URL creates one");
    auto out = co_await webhook_json(ctx, *hook);
    co_return Response::json(200, out);
}

// Creates the webhook, or gives it a new secret (same URL): the old secret
// stops working at once. The secret is shown in this answer only.
asio::awaitable<Response> create_or_rotate(Context& ctx) {
    if (!ctx.request.body.empty()) BodyReader::parse(ctx.request.body).finish();
    auto secret = crypto::new_token("sbw");
    auto sealed = ctx.state.secrets.seal(secret);
    auto now = crypto::now_ms();
    bool rotated = false;
    store::Webhook hook;
    co_await ctx.state.db->transact([&](db::Session& s) -> asio::awaitable<void> {
        store::WebhookStore hooks(s);
        auto existing = co_await hooks.find_for_app(ctx.param("app"));
        if (existing) {
            rotated = true;
            co_await hooks.rotate(existing->id, sealed, now);
            hook = std::move(*existing);
            hook.rotated_at = now;
        } else {
            hook = {crypto::random_hex(20), ctx.param("team"), ctx.param("project"), ctx.param("app"), sealed, now, now};
            co_await hooks.insert(hook);
        }
        co_await audit(s, ctx.param("team"), ctx, rotated ? "webhook.rotate" : "webhook.create", "app", ctx.param("app"));
    });
    auto out = co_await webhook_json(ctx, hook);
    out["secret"] = secret;
    ctx.state.events.publish("app:" + ctx.param("app"), rotated ? "webhook.rotated" : "webhook.created",
                             {{"appId", ctx.param("app")}, {"url", out.at("url")}});
    co_return Response::json(rotated ? 200 : 201, out);
}

asio::awaitable<Response> remove(Context& ctx) {
    bool removed = false;
    co_await ctx.state.db->transact([&](db::Session& s) -> asio::awaitable<void> {
        removed = co_await store::WebhookStore(s).remove_for_app(ctx.param("app"));
        if (removed) co_await audit(s, ctx.param("team"), ctx, "webhook.delete", "app", ctx.param("app"));
    });
    if (!removed) throw ApiError(404, "not_found", "this app has no webhook");
    ctx.state.events.publish("app:" + ctx.param("app"), "webhook.deleted", {{"appId", ctx.param("app")}});
    co_return Response::no_content();
}

// --- deliveries -------------------------------------------------------------

struct Delivery {
    store::Webhook hook;
    std::string forge = "unknown";
    std::string delivery_id;
    std::string event;
    std::string ref;
    std::string commit;
};

asio::awaitable<void> record(ServerState& state, const Delivery& d, bool accepted, int status, std::string result,
                             std::string message, std::optional<std::string> build_id = {}) {
    store::WebhookDelivery row{crypto::new_id(), d.hook.id, d.forge, d.delivery_id, d.event, d.ref, d.commit, accepted, status,
                               std::move(result), std::move(message), std::move(build_id), crypto::now_ms()};
    store::WebhookStore hooks(*state.db);
    co_await hooks.record(std::move(row));
    if (!accepted) co_await hooks.prune_unaccepted(d.hook.id, kUnacceptedKept);
}

Response answer(int status, const Delivery& d, const std::string& result, const std::string& message,
                const std::optional<std::string>& build_id = {}) {
    json::object out{{"result", result}, {"message", message}, {"forge", d.forge}, {"deliveryId", d.delivery_id}};
    if (!d.commit.empty()) out["commit"] = d.commit;
    if (build_id) out["buildId"] = *build_id;
    return Response::json(status, out);
}

// A verified delivery that starts nothing; recorded, so its redelivery is
// answered the same way.
asio::awaitable<Response> settle(ServerState& state, const Delivery& d, int status, std::string result, std::string message) {
    co_await record(state, d, true, status, result, message);
    co_return answer(status, d, result, message);
}

// Earlier deliveries that make this one a repeat: the same delivery id, or
// a build this webhook already started for the commit.
asio::awaitable<std::optional<Response>> repeat_of(ServerState& state, const Delivery& d) {
    store::WebhookStore hooks(*state.db);
    auto same = co_await hooks.find_accepted(d.hook.id, d.forge, d.delivery_id);
    if (same) {
        std::string message = "already handled: delivery " + d.delivery_id + " was answered " + std::to_string(same->status) +
                              " (" + same->message + ")";
        co_await record(state, d, false, 200, "duplicate", message);
        co_return answer(200, d, "duplicate", message, same->build_id);
    }
    if (d.commit.empty()) co_return std::nullopt;
    auto built = co_await hooks.find_build_of(d.hook.id, d.commit);
    if (built) {
        std::string message = "already handled, build " + built->build_id.value_or("") + " of " + d.commit +
                              " was started by delivery " + built->delivery_id;
        co_await record(state, d, true, 200, "duplicate", message);
        co_return answer(200, d, "duplicate", message, built->build_id);
    }
    co_return std::nullopt;
}

asio::awaitable<Response> start_build(ServerState& state, const Delivery& d, const std::string& branch) {
    std::string trigger = "webhook (" + d.forge + ")";
    json::object build;
    std::string message;
    bool raced = false;
    std::optional<ApiError> failure;
    try {
        co_await state.db->transact([&](db::Session& s) -> asio::awaitable<void> {
            NewBuild wanted{d.hook.team_id, d.hook.project_id, d.hook.app_id, d.commit, "", trigger};
            build = co_await insert_build(s, std::move(wanted));
            std::string build_id(build.at("id").as_string());
            message = "build " + build_id + " started for " + d.commit + " (push to " + d.ref + ")";
            store::WebhookDelivery row{crypto::new_id(), d.hook.id, d.forge, d.delivery_id, d.event, d.ref, d.commit, true, 201,
                                       "started", message, build_id, crypto::now_ms()};
            co_await store::WebhookStore(s).record(std::move(row));
            co_await store::AuditStore(s).append(d.hook.team_id, "", "build.create." + d.forge + "_webhook", "build", build_id);
        });
    } catch (const db::Error& e) {
        if (e.kind() != db::Error::Kind::unique_violation) throw;
        raced = true;
    } catch (const ApiError& e) {
        failure = e;
    }
    if (raced) {
        // A concurrent delivery of the same event or commit committed first.
        auto repeat = co_await repeat_of(state, d);
        if (repeat) co_return std::move(*repeat);
        throw conflict("a concurrent delivery of this event is being handled; redeliver to see its answer");
    }
    if (failure) {
        // Not recorded as accepted: once fixed (a project without a cluster), a redelivery builds.
        co_await record(state, d, false, failure->status(), "failed", failure->what());
        throw *failure;
    }
    std::string build_id(build.at("id").as_string());
    co_await announce_build(state, d.hook.project_id, build);
    state.events.publish("app:" + d.hook.app_id, "webhook.build_started",
                         {{"appId", d.hook.app_id}, {"buildId", build_id}, {"forge", d.forge}, {"deliveryId", d.delivery_id},
                          {"ref", d.ref}, {"commit", d.commit}, {"branch", branch}});
    co_return answer(201, d, "started", message, build_id);
}

bool same_repository(const std::string& app_url, const std::vector<std::string>& urls) {
    auto want = webhooks::repository_key(app_url);
    if (want.empty() || urls.empty()) return true;  // nothing to compare
    for (const auto& u : urls)
        if (webhooks::repository_key(u) == want) return true;
    return false;
}

asio::awaitable<Response> deliver(Context& ctx) {
    const auto& request = ctx.request;
    auto found = co_await store::WebhookStore(*ctx.state.db).find(ctx.param("webhook"));
    if (!found)
        throw ApiError(404, "webhook_not_found",
                       "no webhook at this URL: it was deleted, or the URL is mistyped (GET .../apps/{app}/webhook shows the current one)");
    Delivery d;
    d.hook = std::move(*found);
    int wait = ctx.state.webhook_deliveries.retry_after(d.hook.id);
    if (wait > 0) {
        ApiError e(429, "rate_limited", "too many deliveries to this webhook; retry in " + std::to_string(wait) + " s");
        e.retry_after_seconds = wait;
        throw e;
    }
    ctx.state.webhook_deliveries.record_failure(d.hook.id);  // counts every delivery, not only failed ones
    if (request.body.size() > kMaxDeliveryBytes)
        throw ApiError(413, "payload_too_large",
                       "the delivery's body is larger than " + std::to_string(kMaxDeliveryBytes) + " bytes; a push delivery is smaller");

    webhooks::HeaderLookup header = [&request](std::string_view name) { return request.header(name); };
    auto headers = webhooks::identify_delivery(header);
    d.delivery_id = headers && !headers->delivery_id.empty() ? headers->delivery_id : "sha256:" + crypto::token_hash(request.body);
    if (!headers) {
        std::string message = "not a delivery from a supported forge: expected X-GitHub-Event, X-Gitlab-Event, X-Gitea-Event, "
                              "X-Forgejo-Event, or X-Event-Key with X-Hook-UUID (Bitbucket Cloud)";
        co_await record(ctx.state, d, false, 400, "rejected", message);
        throw ApiError(400, "unknown_forge", message);
    }
    d.forge = std::string(webhooks::forge_name(headers->forge));
    d.event = headers->event.substr(0, 100);

    auto secret = ctx.state.secrets.open(d.hook.secret);
    auto verification = webhooks::verify_delivery(headers->forge, header, request.body, secret);
    if (!verification.ok) {
        co_await record(ctx.state, d, false, 401, "rejected", verification.error);
        throw ApiError(401, "bad_signature", verification.error);
    }

    auto repeat = co_await repeat_of(ctx.state, d);
    if (repeat) co_return std::move(*repeat);

    auto app = co_await store::AppStore(*ctx.state.db).find(d.hook.app_id);
    if (!app) throw ApiError(404, "not_found", "the webhook's app was deleted");
    auto tracked = tracked_of(*app);

    if (!headers->is_push) {
        bool ping = d.event == "ping" || d.event == "diagnostics:ping";
        std::string branch = tracked.branch.empty() ? std::string("the app's branch") : tracked.branch;
        std::string message = ping ? "ping received, signature verified; pushes to " + branch + " start builds"
                                   : "ignored: " + d.event + " event; only push events start builds";
        auto settled = co_await settle(ctx.state, d, ping ? 200 : 202, "ignored", message);
        co_return settled;
    }

    webhooks::PushEvent push;
    std::optional<ApiError> undecodable;
    try {
        push = webhooks::parse_push(headers->forge, request.body);
    } catch (const ApiError& e) {
        undecodable = e;
    }
    if (undecodable) {
        co_await record(ctx.state, d, false, undecodable->status(), "rejected", undecodable->what());
        throw *undecodable;
    }
    if (tracked.branch.empty()) {
        auto settled = co_await settle(ctx.state, d, 202, "ignored", "ignored: the app has no git source (set git.url and git.branch)");
        co_return settled;
    }
    const std::string wanted = "refs/heads/" + tracked.branch;
    const webhooks::RefUpdate* update = nullptr;
    for (const auto& u : push.updates)
        if (u.ref == wanted) update = &u;
    if (!update) {
        std::string pushed = push.updates.empty() ? std::string("nothing") : push.updates.front().ref;
        for (std::size_t i = 1; i < push.updates.size() && i < 5; ++i) pushed += ", " + push.updates[i].ref;
        if (pushed.size() > 300) pushed = pushed.substr(0, 300) + "...";
        d.ref = push.updates.empty() ? "" : push.updates.front().ref.substr(0, 255);
        bool tag = d.ref.starts_with("refs/tags/");
        std::string message = "ignored: push to " + pushed + (tag ? " (a tag)" : "") + ", the app tracks " + tracked.branch;
        auto settled = co_await settle(ctx.state, d, 202, "ignored", message);
        co_return settled;
    }
    d.ref = update->ref;
    if (update->commit.empty()) {
        auto settled = co_await settle(ctx.state, d, 202, "ignored", "ignored: the push deleted " + d.ref);
        co_return settled;
    }
    if (!same_repository(tracked.repository, push.repository_urls)) {
        auto settled = co_await settle(ctx.state, d, 202, "ignored",
                                  "ignored: push to " + push.repository_urls.front().substr(0, 300) + ", the app builds " +
                                      tracked.repository);
        co_return settled;
    }
    d.commit = update->commit;
    auto built = co_await repeat_of(ctx.state, d);  // this commit, by another delivery
    if (built) co_return std::move(*built);
    auto started = co_await start_build(ctx.state, d, tracked.branch);
    co_return started;
}

// --- OpenAPI -----------------------------------------------------------------

json::object schema_ref(const char* name) { return {{"$ref", std::string("#/components/schemas/") + name}}; }

json::object json_content(json::object schema) {
    return {{"content", {{"application/json", {{"schema", std::move(schema)}}}}}};
}

json::object answer_doc(const char* description, json::object schema) {
    auto out = json_content(std::move(schema));
    out["description"] = description;
    return out;
}

json::object string_or_null() { return {{"type", "string"}, {"nullable", true}}; }

json::object delivery_schema() {
    return {{"type", "object"},
            {"required", json::array{"id", "forge", "deliveryId", "event", "status", "result", "message", "receivedAt"}},
            {"properties",
             {{"id", {{"type", "string"}}},
              {"forge", {{"type", "string"}, {"enum", json::array{"github", "gitlab", "gitea", "forgejo", "bitbucket", "unknown"}}}},
              {"deliveryId", {{"type", "string"}}},
              {"event", {{"type", "string"}}},
              {"ref", string_or_null()},
              {"commit", string_or_null()},
              {"status", {{"type", "integer"}}},
              {"result", {{"type", "string"}, {"enum", json::array{"started", "ignored", "duplicate", "rejected", "failed"}}}},
              {"message", {{"type", "string"}}},
              {"buildId", string_or_null()},
              {"receivedAt", {{"type", "string"}, {"format", "date-time"}}}}}};
}

json::object webhook_schema(bool with_secret) {
    json::object properties{
        {"url", {{"type", "string"}, {"description", "the Payload URL to give the forge; it needs no auth header"}}},
        {"contentType", {{"type", "string"}, {"enum", json::array{"application/json"}}}},
        {"forges", {{"type", "array"}, {"items", {{"type", "string"}}}}},
        {"branch", {{"type", "string"}, {"nullable", true}, {"description", "the app's git.branch: pushes to it start builds"}}},
        {"repository", string_or_null()},
        {"createdAt", {{"type", "string"}, {"format", "date-time"}}},
        {"secretRotatedAt", {{"type", "string"}, {"format", "date-time"}}},
        {"lastDeliveries", {{"type", "array"}, {"items", delivery_schema()}}}};
    json::array required{"url", "contentType", "forges", "branch", "lastDeliveries"};
    if (with_secret) {
        properties["secret"] = {{"type", "string"}, {"description", "shown in this answer only"}};
        required.push_back("secret");
    }
    return {{"type", "object"}, {"required", std::move(required)}, {"properties", std::move(properties)}};
}

json::object delivery_answer_schema() {
    return {{"type", "object"},
            {"required", json::array{"result", "message", "forge", "deliveryId"}},
            {"properties",
             {{"result", {{"type", "string"}, {"enum", json::array{"started", "ignored", "duplicate"}}}},
              {"message", {{"type", "string"}}},
              {"forge", {{"type", "string"}}},
              {"deliveryId", {{"type", "string"}}},
              {"commit", {{"type", "string"}}},
              {"buildId", {{"type", "string"}}}}}};
}

json::object error_doc(const char* description) { return answer_doc(description, schema_ref("Error")); }

json::object header_param(const char* name, const char* description) {
    return {{"name", name}, {"in", "header"}, {"required", false}, {"schema", {{"type", "string"}}}, {"description", description}};
}

}  // namespace

void add_webhook_routes(Router& r) {
    const std::string base = "/api/v1/teams/{team}/projects/{project}/apps/{app}/webhook";
    Route get{"GET", base, Access::team, Role::viewer, "Show the app's git webhook and its last deliveries", "webhooks", show};
    get.openapi = {{"responses", {{"200", answer_doc("the webhook (never its secret)", webhook_schema(false))}}}};
    r.add(std::move(get));
    Route post{"POST", base, Access::team, Role::developer, "Create the app's git webhook, or rotate its secret", "webhooks",
               create_or_rotate, 201};
    post.openapi = {{"responses",
                     {{"201", answer_doc("created; the secret is shown this once", webhook_schema(true))},
                      {"200", answer_doc("secret rotated (same URL); the old secret no longer verifies", webhook_schema(true))}}}};
    r.add(std::move(post));
    r.add({"DELETE", base, Access::team, Role::developer, "Delete the app's git webhook (its URL answers 404)", "webhooks", remove, 204});

    Route deliver_route{"POST", std::string(kHookPath) + "{webhook}", Access::public_, Role::viewer,
                        "Receive a push delivery from GitHub, GitLab, Gitea, Forgejo or Bitbucket Cloud (authenticated by its signature)",
                        "webhooks", deliver, 201, true};
    deliver_route.openapi = {
        {"description",
         "No Authorization header: the forge proves the delivery with the webhook's secret (X-Hub-Signature-256, "
         "X-Gitlab-Token, X-Gitea-Signature, X-Forgejo-Signature or X-Hub-Signature for Bitbucket). See docs/webhooks.md."},
        {"parameters",
         json::array{json::object{{"name", "webhook"}, {"in", "path"}, {"required", true}, {"schema", {{"type", "string"}}}},
                     header_param("X-GitHub-Event", "GitHub: push, ping, ..."),
                     header_param("X-GitHub-Delivery", "GitHub: the delivery's id (the same on a redelivery)"),
                     header_param("X-Hub-Signature-256", "GitHub: sha256=<hex HMAC-SHA256 of the body>"),
                     header_param("X-Gitlab-Event", "GitLab: Push Hook, ..."),
                     header_param("X-Gitlab-Token", "GitLab: the secret"),
                     header_param("Idempotency-Key", "GitLab 17.4+: the delivery's id"),
                     header_param("X-Gitlab-Event-UUID", "GitLab: the event's id"),
                     header_param("X-Gitea-Event", "Gitea: push, ..."),
                     header_param("X-Gitea-Delivery", "Gitea/Forgejo: the delivery's id"),
                     header_param("X-Gitea-Signature", "Gitea: <hex HMAC-SHA256 of the body>"),
                     header_param("X-Forgejo-Event", "Forgejo: push, ..."),
                     header_param("X-Forgejo-Delivery", "Forgejo: the delivery's id"),
                     header_param("X-Forgejo-Signature", "Forgejo: <hex HMAC-SHA256 of the body>"),
                     header_param("X-Event-Key", "Bitbucket Cloud: repo:push, ..."),
                     header_param("X-Hook-UUID", "Bitbucket Cloud: the webhook's UUID"),
                     header_param("X-Request-UUID", "Bitbucket Cloud: the delivery's id"),
                     header_param("X-Hub-Signature", "Bitbucket Cloud: sha256=<hex HMAC-SHA256 of the body>")}},
        {"requestBody",
         {{"required", true},
          {"content", {{"application/json", {{"schema", {{"type", "object"}, {"description", "the forge's push payload"}}}}}}}}},
        {"responses",
         {{"201", answer_doc("a build of the pushed commit started", delivery_answer_schema())},
          {"200", answer_doc("a repeat (same delivery, or a commit already built) or a ping: nothing started",
                             delivery_answer_schema())},
          {"202", answer_doc("another branch, a tag, a deleted branch or another event: nothing started", delivery_answer_schema())},
          {"401", error_doc("the signature or token is missing or does not match the webhook's secret")},
          {"404", error_doc("no webhook at this URL")},
          {"409", error_doc("the app's project has no cluster to build in")},
          {"413", error_doc("the body is larger than 1 MiB")},
          {"429", error_doc("too many deliveries to this webhook; see Retry-After")}}}};
    r.add(std::move(deliver_route));
}

}  // namespace sb::server::api
