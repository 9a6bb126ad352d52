#include "server/store/cluster_store.hpp"

namespace sb::server::store {

namespace {
constexpr const char* kSelect =
    "SELECT id, name, state, kube_version, agent_version, connected_at, last_seen_at, facts, created_at, updated_at, version "
    "FROM clusters ";

Cluster cluster_from(const db::Row& r) {
    return {r.str(0), r.str(1), r.str(2), r.opt_str(3), r.opt_str(4), r.opt_i64(5), r.opt_i64(6), r.str(7),
            r.i64(8), r.i64(9), r.i64(10)};
}
}  // namespace

asio::awaitable<std::optional<Cluster>> ClusterStore::find(std::string id) {
    auto rows = co_await q_.query(std::string(kSelect) + "WHERE id = $1", db::params(std::move(id)));
    if (rows.empty()) co_return std::nullopt;
    co_return cluster_from(rows.one());
}

asio::awaitable<std::vector<Cluster>> ClusterStore::list(std::string team_id, PageQuery page, std::string name) {
    auto rows = co_await q_.query(
        std::string(kSelect) + "WHERE team_id = $1 AND id > $2 AND (CAST($3 AS TEXT) = '' OR name = $3) ORDER BY id LIMIT $4",
        db::params(std::move(team_id), std::move(page.after), std::move(name), page.limit));
    co_return rows_as<Cluster>(rows, cluster_from);
}

asio::awaitable<std::int64_t> ClusterStore::count() {
    auto rows = co_await q_.query("SELECT COUNT(*) FROM clusters");
    co_return rows.one().i64(0);
}

asio::awaitable<bool> ClusterStore::exists_in_team(std::string id, std::string team_id) {
    auto rows = co_await q_.query("SELECT 1 FROM clusters WHERE id = $1 AND team_id = $2",
                                  db::params(std::move(id), std::move(team_id)));
    co_return !rows.empty();
}

asio::awaitable<void> ClusterStore::insert(std::string id, std::string team_id, std::string name, std::string agent_token_hash,
                                           std::int64_t now) {
    co_await q_.query("INSERT INTO clusters (id, team_id, name, agent_token_hash, state, created_at, updated_at) "
                      "VALUES ($1, $2, $3, $4, 'pending', $5, $5)",
                      db::params(std::move(id), std::move(team_id), std::move(name), std::move(agent_token_hash), now));
}

asio::awaitable<bool> ClusterStore::update(Cluster c, std::int64_t now) {
    db::Param kube = db::nullable(c.kube_version), agent = db::nullable(c.agent_version);
    auto r = co_await q_.query(
        "UPDATE clusters SET name = $1, state = $2, kube_version = $3, agent_version = $4, updated_at = $5, version = version + 1 "
        "WHERE id = $6 AND version = $7",
        db::params(std::move(c.name), std::move(c.state), std::move(kube), std::move(agent), now, std::move(c.id), c.version));
    co_return r.affected != 0;
}

asio::awaitable<void> ClusterStore::set_agent_token(std::string id, std::string agent_token_hash, std::int64_t now) {
    co_await q_.query("UPDATE clusters SET agent_token_hash = $1, updated_at = $2, version = version + 1 WHERE id = $3",
                      db::params(std::move(agent_token_hash), now, std::move(id)));
}

asio::awaitable<std::optional<std::string>> ClusterStore::agent_token_hash(std::string id) {
    auto rows = co_await q_.query("SELECT agent_token_hash FROM clusters WHERE id = $1", db::params(std::move(id)));
    if (rows.empty()) co_return std::nullopt;
    co_return rows.one().str(0);
}

asio::awaitable<void> ClusterStore::record_connected(std::string id, std::string kube_version, std::string agent_version,
                                                     std::string facts, std::int64_t now) {
    co_await q_.query("UPDATE clusters SET state = 'connected', kube_version = $1, agent_version = $2, facts = $3, "
                      "connected_at = $4, last_seen_at = $4, updated_at = $4, version = version + 1 WHERE id = $5",
                      db::params(std::move(kube_version), std::move(agent_version), std::move(facts), now, std::move(id)));
}

asio::awaitable<void> ClusterStore::record_seen(std::string id, std::int64_t now) {
    co_await q_.query("UPDATE clusters SET last_seen_at = $1 WHERE id = $2", db::params(now, std::move(id)));
}

asio::awaitable<void> ClusterStore::record_disconnected(std::string id, std::int64_t now) {
    co_await q_.query("UPDATE clusters SET state = 'disconnected', last_seen_at = $1, updated_at = $1, version = version + 1 "
                      "WHERE id = $2",
                      db::params(now, std::move(id)));
}

asio::awaitable<void> ClusterStore::remove(std::string id) {
    co_await q_.query("DELETE FROM clusters WHERE id = $1", db::params(std::move(id)));
}

}  // namespace sb::server::store
