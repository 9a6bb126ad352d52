// Clusters: registered Kubernetes clusters with their agent token (shown
// once, stored hashed) and one-time registration URL (cluster_registration),
// and what their operator's connection reports: state, versions, last seen,
// nodes and allocatable resources.
#include <boost/json/parse.hpp>

#include "server/agent/agent_hub.hpp"
#include "server/agent/agent_session.hpp"
#include "server/api/cluster_registration.hpp"
#include "server/api/helpers.hpp"
#include "server/auth/agent_token.hpp"
#include "server/store/cluster_store.hpp"

namespace sb::server::api {

namespace {

json::object cluster_json(const store::Cluster& c) {
    auto opt = [](const std::optional<std::string>& v) { return v ? json::value(*v) : json::value(nullptr); };
    auto facts = json::parse(c.facts).as_object();
    auto fact = [&](std::string_view key) { return facts.contains(key) ? facts.at(key) : json::value(nullptr); };
    return {{"id", c.id}, {"name", c.name}, {"state", c.state}, {"kubeVersion", opt(c.kube_version)},
            {"agentVersion", opt(c.agent_version)}, {"connectedAt", timestamp(c.connected_at)},
            {"lastSeenAt", timestamp(c.last_seen_at)},
            {"capacity", {{"nodes", fact("nodes")}, {"allocatableCpuMillis", fact("allocatableCpuMillis")},
                          {"allocatableMemoryBytes", fact("allocatableMemoryBytes")}}},
            {"capabilities", facts.contains("capabilities") ? facts.at("capabilities") : json::array{}},
            {"createdAt", timestamp(c.created_at)}, {"updatedAt", timestamp(c.updated_at)}, {"version", c.version}};
}

// The live connection of a cluster whose token is gone ends (close code 4003).
void revoke(ServerState& state, const std::string& cluster_id) {
    if (auto connection = state.agents.find(cluster_id)) connection->close(4003, "the cluster's agent token was revoked");
}

// The router checked that the cluster exists.
asio::awaitable<store::Cluster> load(Context& ctx) {
    auto cluster = co_await store::ClusterStore(*ctx.state.db).find(ctx.param("cluster"));
    if (!cluster) throw not_found("cluster");
    co_return std::move(*cluster);
}

asio::awaitable<Response> list(Context& ctx) {
    auto page = page_params(ctx.request, {"name"});
    std::string name = query_value(ctx.request, "name");
    auto clusters = co_await store::ClusterStore(*ctx.state.db).list(ctx.param("team"), page_query(page), name);
    co_return Response::json(200, page_result(json_items(clusters, cluster_json), page));
}

asio::awaitable<Response> create(Context& ctx) {
    auto body = BodyReader::parse(ctx.request.body);
    auto name = body.required_string("name", {.max_length = 63});
    body.finish();
    validate_name("name", name);
    auto count = co_await store::ClusterStore(*ctx.state.db).count();
    if (count >= ctx.state.licence.max_clusters)
        throw licence_limit("the licence allows " + std::to_string(ctx.state.licence.max_clusters) +
                            " cluster(s) and all are registered; remove one or install a licence with more clusters");
    auto id = crypto::new_id();
    auto token = new_agent_token(id);
    auto now = crypto::now_ms();
    Response response;
    co_await ctx.state.db->transact([&](db::Session& s) -> asio::awaitable<void> {
        store::ClusterStore clusters(s);
        co_await clusters.insert(id, ctx.param("team"), name, crypto::token_hash(token), now);
        co_await record_usage(s, ctx.param("team"), "clusters", 1, id);
        co_await audit(s, ctx.param("team"), ctx, "cluster.create", "cluster", id);
        auto cluster = co_await clusters.find(id);
        auto out = cluster_json(*cluster);
        out["agentToken"] = token;
        auto registration = co_await issue_registration(s, ctx, id);
        out["registration"] = std::move(registration);
        auto made = with_etag(Response::json(201, out), 1);
        response = co_await created(s, ctx, std::move(made));
    });
    co_return response;
}

asio::awaitable<Response> get(Context& ctx) {
    auto cluster = co_await load(ctx);
    co_return with_etag(Response::json(200, cluster_json(cluster)), cluster.version);
}

asio::awaitable<Response> update(Context& ctx) {
    auto body = BodyReader::parse(ctx.request.body);
    // State and versions come from the cluster's operator only.
    auto name = body.string("name", {.max_length = 63});
    body.finish();
    if (name) validate_name("name", *name);
    auto cluster = co_await load(ctx);
    check_if_match(ctx.request, cluster.version);
    if (name) cluster.name = *name;
    co_await ctx.state.db->transact([&](db::Session& s) -> asio::awaitable<void> {
        bool updated = co_await store::ClusterStore(s).update(cluster, crypto::now_ms());
        if (!updated) throw precondition_failed();
        co_await audit(s, ctx.param("team"), ctx, "cluster.update", "cluster", ctx.param("cluster"));
    });
    cluster = co_await load(ctx);
    co_return with_etag(Response::json(200, cluster_json(cluster)), cluster.version);
}

asio::awaitable<Response> remove(Context& ctx) {
    auto cluster = co_await load(ctx);
    check_if_match(ctx.request, cluster.version);
    co_await ctx.state.db->transact([&](db::Session& s) -> asio::awaitable<void> {
        co_await store::ClusterStore(s).remove(ctx.param("cluster"));
        co_await audit(s, ctx.param("team"), ctx, "cluster.delete", "cluster", ctx.param("cluster"));
    });
    revoke(ctx.state, ctx.param("cluster"));
    // The cluster's registration went with it (ON DELETE CASCADE).
    json::object out{{"removed", ctx.param("cluster")},
                     {"cleanup", "the operator stays installed and disconnected; remove it with: kubectl delete namespace "
                                 "shapeblock && kubectl delete clusterrole,clusterrolebinding -l "
                                 "app.kubernetes.io/name=shapeblock-operator (the CRDs stay: deleting them with kubectl "
                                 "delete crd -l app.kubernetes.io/part-of=shapeblock deletes every ShapeBlock object, "
                                 "and so the apps, in the cluster)"}};
    co_return Response::json(200, out);
}

asio::awaitable<Response> rotate_token(Context& ctx) {
    auto token = new_agent_token(ctx.param("cluster"));
    co_await ctx.state.db->transact([&](db::Session& s) -> asio::awaitable<void> {
        co_await store::ClusterStore(s).set_agent_token(ctx.param("cluster"), crypto::token_hash(token), crypto::now_ms());
        co_await audit(s, ctx.param("team"), ctx, "cluster.rotate_token", "cluster", ctx.param("cluster"));
    });
    revoke(ctx.state, ctx.param("cluster"));
    auto cluster = co_await load(ctx);
    auto out = cluster_json(cluster);
    out["agentToken"] = token;
    co_return with_etag(Response::json(200, out), cluster.version);
}

// A new registration URL for a cluster (one already installed, or whose URL
// expired); the earlier URL stops working.
asio::awaitable<Response> new_registration(Context& ctx) {
    json::object out;
    co_await ctx.state.db->transact([&](db::Session& s) -> asio::awaitable<void> {
        auto registration = co_await issue_registration(s, ctx, ctx.param("cluster"));
        out["registration"] = std::move(registration);
        co_await audit(s, ctx.param("team"), ctx, "cluster.registration", "cluster", ctx.param("cluster"));
    });
    co_return Response::json(201, out);
}

}  // namespace

void add_cluster_routes(Router& r) {
    const std::string base = "/api/v1/teams/{team}/clusters";
    r.add({"GET", base, Access::team, Role::viewer, "List clusters", "clusters", list});
    r.add({"POST", base, Access::team, Role::admin,
           "Register a cluster: its agent token (shown once) and a one-time registration command", "clusters", create, 201,
           true, true});
    r.add({"GET", base + "/{cluster}", Access::team, Role::viewer, "Show a cluster", "clusters", get});
    r.add({"PATCH", base + "/{cluster}", Access::team, Role::admin, "Update a cluster", "clusters", update, 200, true});
    r.add({"DELETE", base + "/{cluster}", Access::team, Role::admin, "Remove a cluster (revokes its agent token)", "clusters", remove});
    r.add({"POST", base + "/{cluster}/agent-token", Access::team, Role::admin, "Replace the agent token (shown once)", "clusters", rotate_token});
    r.add({"POST", base + "/{cluster}/registration", Access::team, Role::admin,
           "A new one-time registration command (replaces the earlier one)", "clusters", new_registration, 201});
    r.add({"GET", "/api/v1/clusters/{cluster}/install.yaml", Access::registration, Role::viewer,
           "The operator's install manifest for `kubectl apply -f` (?token=; works once, docs/cluster-import.md)", "clusters",
           serve_install_manifest});
    Route agent{"GET", "/api/v1/agent", Access::agent, Role::viewer,
                "WebSocket: a cluster's operator connects here (docs/agent-protocol.md)", "clusters", websocket_required, 101};
    agent.websocket = agent::serve_agent;
    r.add(std::move(agent));
}

}  // namespace sb::server::api
