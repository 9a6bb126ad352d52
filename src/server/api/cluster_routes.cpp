// Clusters: registered Kubernetes clusters with their agent token (shown
// once, stored hashed), connection state and versions.
#include "server/api/helpers.hpp"
#include "server/store/cluster_store.hpp"

namespace sb::server::api {

namespace {

json::object cluster_json(const store::Cluster& c) {
    auto opt = [](const std::optional<std::string>& v) { return v ? json::value(*v) : json::value(nullptr); };
    return {{"id", c.id}, {"name", c.name}, {"state", c.state}, {"kubeVersion", opt(c.kube_version)},
            {"agentVersion", opt(c.agent_version)}, {"createdAt", timestamp(c.created_at)},
            {"updatedAt", timestamp(c.updated_at)}, {"version", c.version}};
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
    auto token = crypto::new_token("sba");
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
    auto name = body.string("name", {.max_length = 63});
    auto state = body.string("state", {.max_length = 20});
    auto kube = body.string("kubeVersion", {.max_length = 64});
    auto agent = body.string("agentVersion", {.max_length = 64});
    body.finish();
    if (name) validate_name("name", *name);
    if (state && *state != "pending" && *state != "connected" && *state != "disconnected")
        throw invalid_field("state", "state must be pending, connected or disconnected");
    auto cluster = co_await load(ctx);
    check_if_match(ctx.request, cluster.version);
    if (name) cluster.name = *name;
    if (state) cluster.state = *state;
    if (kube) cluster.kube_version = kube;
    if (agent) cluster.agent_version = agent;
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
    co_return Response::no_content();
}

asio::awaitable<Response> rotate_token(Context& ctx) {
    auto token = crypto::new_token("sba");
    co_await ctx.state.db->transact([&](db::Session& s) -> asio::awaitable<void> {
        co_await store::ClusterStore(s).set_agent_token(ctx.param("cluster"), crypto::token_hash(token), crypto::now_ms());
        co_await audit(s, ctx.param("team"), ctx, "cluster.rotate_token", "cluster", ctx.param("cluster"));
    });
    auto cluster = co_await load(ctx);
    auto out = cluster_json(cluster);
    out["agentToken"] = token;
    co_return with_etag(Response::json(200, out), cluster.version);
}

}  // namespace

void add_cluster_routes(Router& r) {
    const std::string base = "/api/v1/teams/{team}/clusters";
    r.add({"GET", base, Access::team, Role::viewer, "List clusters", "clusters", list});
    r.add({"POST", base, Access::team, Role::admin, "Register a cluster (agent token shown once)", "clusters", create, 201, true, false, true});
    r.add({"GET", base + "/{cluster}", Access::team, Role::viewer, "Show a cluster", "clusters", get});
    r.add({"PATCH", base + "/{cluster}", Access::team, Role::admin, "Update a cluster", "clusters", update, 200, true});
    r.add({"DELETE", base + "/{cluster}", Access::team, Role::admin, "Remove a cluster", "clusters", remove, 204});
    r.add({"POST", base + "/{cluster}/agent-token", Access::team, Role::admin, "Replace the agent token (shown once)", "clusters", rotate_token});
}

}  // namespace sb::server::api
