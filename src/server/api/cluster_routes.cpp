// Clusters: registered Kubernetes clusters with their agent token (shown
// once, stored hashed), connection state and versions.
#include "server/api/helpers.hpp"

namespace sb::server::api {

namespace {

constexpr const char* kSelect =
    "SELECT id, name, state, kube_version, agent_version, created_at, updated_at, version FROM clusters ";

json::object cluster_json(const db::Row& r) {
    auto opt = [&](std::size_t i) { return r.opt_str(i) ? json::value(*r.opt_str(i)) : json::value(nullptr); };
    return {{"id", r.str(0)}, {"name", r.str(1)}, {"state", r.str(2)}, {"kubeVersion", opt(3)}, {"agentVersion", opt(4)},
            {"createdAt", timestamp(r.i64(5))}, {"updatedAt", timestamp(r.i64(6))}, {"version", r.i64(7)}};
}

asio::awaitable<db::Result> load(Context& ctx) {
    co_return co_await ctx.state.db->query(std::string(kSelect) + "WHERE id = $1", db::params(ctx.param("cluster")));
}

asio::awaitable<Response> list(Context& ctx) { co_return co_await list_team_rows(ctx, kSelect, cluster_json); }

asio::awaitable<Response> create(Context& ctx) {
    auto body = BodyReader::parse(ctx.request.body);
    auto name = body.required_string("name", {.max_length = 63});
    body.finish();
    validate_name("name", name);
    auto count = co_await ctx.state.db->query("SELECT COUNT(*) FROM clusters");
    if (count.one().i64(0) >= ctx.state.licence.max_clusters)
        throw licence_limit("the licence allows " + std::to_string(ctx.state.licence.max_clusters) +
                            " cluster(s) and all are registered; remove one or install a licence with more clusters");
    auto id = crypto::new_id();
    auto token = crypto::new_token("sba");
    auto now = crypto::now_ms();
    Response response;
    co_await ctx.state.db->transact([&](db::Session& s) -> asio::awaitable<void> {
        co_await s.query("INSERT INTO clusters (id, team_id, name, agent_token_hash, state, created_at, updated_at) "
                         "VALUES ($1, $2, $3, $4, 'pending', $5, $5)",
                         db::params(id, ctx.param("team"), name, crypto::token_hash(token), now));
        co_await record_usage(s, ctx.param("team"), "clusters", 1, id);
        co_await audit(s, ctx.param("team"), ctx, "cluster.create", "cluster", id);
        auto rows = co_await s.query(std::string(kSelect) + "WHERE id = $1", db::params(id));
        auto out = cluster_json(rows.one());
        out["agentToken"] = token;
        auto made = with_etag(Response::json(201, out), 1);
        response = co_await created(s, ctx, std::move(made));
    });
    co_return response;
}

asio::awaitable<Response> get(Context& ctx) {
    auto rows = co_await load(ctx);
    co_return with_etag(Response::json(200, cluster_json(rows.one())), rows.one().i64(7));
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
    auto rows = co_await load(ctx);
    const auto& row = rows.one();
    auto version = row.i64(7);
    check_if_match(ctx.request, version);
    if (!kube) kube = row.opt_str(3);
    if (!agent) agent = row.opt_str(4);
    db::Param kube_param = db::nullable(kube), agent_param = db::nullable(agent);
    co_await ctx.state.db->transact([&](db::Session& s) -> asio::awaitable<void> {
        auto r = co_await s.query(
            "UPDATE clusters SET name = $1, state = $2, kube_version = $3, agent_version = $4, updated_at = $5, version = version + 1 "
            "WHERE id = $6 AND version = $7",
            db::params(name.value_or(row.str(1)), state.value_or(row.str(2)),
             kube_param, agent_param,
             crypto::now_ms(), ctx.param("cluster"), version));
        if (r.affected == 0) throw precondition_failed();
        co_await audit(s, ctx.param("team"), ctx, "cluster.update", "cluster", ctx.param("cluster"));
    });
    rows = co_await load(ctx);
    co_return with_etag(Response::json(200, cluster_json(rows.one())), rows.one().i64(7));
}

asio::awaitable<Response> remove(Context& ctx) {
    auto rows = co_await load(ctx);
    check_if_match(ctx.request, rows.one().i64(7));
    co_await ctx.state.db->transact([&](db::Session& s) -> asio::awaitable<void> {
        co_await s.query("DELETE FROM clusters WHERE id = $1", db::params(ctx.param("cluster")));
        co_await audit(s, ctx.param("team"), ctx, "cluster.delete", "cluster", ctx.param("cluster"));
    });
    co_return Response::no_content();
}

asio::awaitable<Response> rotate_token(Context& ctx) {
    auto token = crypto::new_token("sba");
    co_await ctx.state.db->transact([&](db::Session& s) -> asio::awaitable<void> {
        co_await s.query("UPDATE clusters SET agent_token_hash = $1, updated_at = $2, version = version + 1 WHERE id = $3",
                         db::params(crypto::token_hash(token), crypto::now_ms(), ctx.param("cluster")));
        co_await audit(s, ctx.param("team"), ctx, "cluster.rotate_token", "cluster", ctx.param("cluster"));
    });
    auto rows = co_await load(ctx);
    auto out = cluster_json(rows.one());
    out["agentToken"] = token;
    co_return with_etag(Response::json(200, out), rows.one().i64(7));
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
