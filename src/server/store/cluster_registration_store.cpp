#include "server/store/cluster_registration_store.hpp"

namespace sb::server::store {

asio::awaitable<void> ClusterRegistrationStore::replace(std::string cluster_id, std::string token_hash, std::int64_t expires_at,
                                                       std::int64_t now) {
    co_await q_.query("DELETE FROM cluster_registrations WHERE cluster_id = $1", db::params(cluster_id));
    co_await q_.query("INSERT INTO cluster_registrations (cluster_id, token_hash, expires_at, created_at) VALUES ($1, $2, $3, $4)",
                      db::params(std::move(cluster_id), std::move(token_hash), expires_at, now));
}

asio::awaitable<std::optional<ClusterRegistration>> ClusterRegistrationStore::find(std::string cluster_id) {
    auto rows = co_await q_.query(
        "SELECT r.cluster_id, c.team_id, r.token_hash, r.expires_at, r.used_at FROM cluster_registrations r "
        "JOIN clusters c ON c.id = r.cluster_id WHERE r.cluster_id = $1",
        db::params(std::move(cluster_id)));
    if (rows.empty()) co_return std::nullopt;
    const auto& r = rows.one();
    co_return ClusterRegistration{r.str(0), r.str(1), r.str(2), r.i64(3), r.opt_i64(4)};
}

asio::awaitable<bool> ClusterRegistrationStore::consume(std::string cluster_id, std::string token_hash, std::int64_t now) {
    auto r = co_await q_.query(
        "UPDATE cluster_registrations SET used_at = $1 "
        "WHERE cluster_id = $2 AND token_hash = $3 AND used_at IS NULL AND expires_at > $1",
        db::params(now, std::move(cluster_id), std::move(token_hash)));
    co_return r.affected == 1;
}

}  // namespace sb::server::store
