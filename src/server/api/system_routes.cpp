// Health, readiness, metrics, the OpenAPI document and the licence.
#include <boost/json/serialize.hpp>

#include "server/api/helpers.hpp"
#include "server/store/cluster_store.hpp"
#include "server/store/setting_store.hpp"
#include "server/store/user_store.hpp"
#include "common/metrics.hpp"

namespace sb::server::api {

namespace {

json::object licence_json(const Licence& l) {
    return {{"installed", l.installed},
            {"licensee", l.licensee},
            {"edition", l.edition == Edition::multi_tenant ? "multi" : "single"},
            {"maxClusters", l.max_clusters},
            {"maxUsers", l.max_users},
            {"updatesUntil", l.updates_until.empty() ? json::value(nullptr) : json::value(l.updates_until)},
            {"issuedAt", l.issued_at.empty() ? json::value(nullptr) : json::value(l.issued_at)}};
}

}  // namespace

void add_system_routes(Router& router) {
    router.add({"GET", "/healthz", Access::public_, Role::viewer, "Liveness probe", "system",
                [](Context&) -> asio::awaitable<Response> { co_return Response::json(200, json::object{{"status", "ok"}}); }});
    router.add({"GET", "/readyz", Access::public_, Role::viewer, "Readiness probe (database reachable, not shutting down)", "system",
                [](Context& ctx) -> asio::awaitable<Response> {
                    bool ok = ctx.state.ready && !ctx.state.shutting_down && co_await ctx.state.db->ping();
                    co_return Response::json(ok ? 200 : 503, json::object{{"status", ok ? "ready" : "not ready"}});
                }});
    router.add({"GET", "/metrics", Access::public_, Role::viewer, "Prometheus metrics", "system",
                [](Context& ctx) -> asio::awaitable<Response> {
                    auto& subs = sb::metrics::Registry::global().gauge("sb_events_subscribers", "Connected event subscribers");
                    subs.get().set(static_cast<double>(ctx.state.events.subscriber_count()));
                    co_return Response{200, "text/plain; version=0.0.4", sb::metrics::Registry::global().render(), {}};
                }});
    router.add({"GET", "/api/v1/version", Access::public_, Role::viewer, "The server's version and API version (sb version)", "system",
                [](Context&) -> asio::awaitable<Response> {
                    co_return Response::json(200, json::object{{"version", SB_VERSION}, {"api", "v1"}});
                }});
    router.add({"GET", "/api/v1/openapi.json", Access::public_, Role::viewer, "This OpenAPI document", "system",
                [](Context&) -> asio::awaitable<Response> {
                    // Built from a fresh table: the same routes as the one serving this request.
                    static const std::string document = json::serialize(make_router().openapi());
                    co_return Response{200, "application/json", document, {}};
                }});
    router.add({"GET", "/api/v1/licence", Access::authenticated, Role::viewer, "Show the licence and its limits", "licence",
                [](Context& ctx) -> asio::awaitable<Response> {
                    auto clusters = co_await store::ClusterStore(*ctx.state.db).count();
                    auto users = co_await store::UserStore(*ctx.state.db).count();
                    auto body = licence_json(ctx.state.licence);
                    body["usage"] = {{"clusters", clusters}, {"users", users}};
                    co_return Response::json(200, body);
                }});
    router.add({"PUT", "/api/v1/licence", Access::server_admin, Role::viewer, "Install a signed licence", "licence",
                [](Context& ctx) -> asio::awaitable<Response> {
                    auto body = BodyReader::parse(ctx.request.body);
                    auto document = body.required_string("document", {.max_length = 16384, .allow_empty = false});
                    body.finish();
                    Licence licence;
                    try {
                        licence = verify_licence(document, ctx.state.licence_key());
                    } catch (const std::invalid_argument& e) {
                        throw invalid_field("document", e.what());
                    }
                    co_await ctx.state.db->transact([&](db::Session& s) -> asio::awaitable<void> {
                        co_await store::SettingStore(s).put(store::kLicenceSetting, document);
                        co_await audit(s, "", ctx, "licence.install", "licence", licence.licensee);
                    });
                    ctx.state.licence = licence;
                    co_return Response::json(200, licence_json(licence));
                },
                200, true});
}

}  // namespace sb::server::api
