#include "server/store/audit_store.hpp"

#include "server/core/crypto.hpp"

namespace sb::server::store {

asio::awaitable<void> AuditStore::append(std::string team_id, std::string actor_id, std::string action, std::string target_type,
                                         std::string target_id) {
    co_await q_.query(
        "INSERT INTO audit_log (id, team_id, actor_id, action, target_type, target_id, at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        db::params(crypto::new_id(), db::nullable_text(team_id), db::nullable_text(actor_id), std::move(action),
                   std::move(target_type), std::move(target_id), crypto::now_ms()));
}

asio::awaitable<std::vector<AuditEntry>> AuditStore::list(std::string team_id, PageQuery page) {
    auto rows = co_await q_.query(
        "SELECT a.id, a.actor_id, u.email, a.action, a.target_type, a.target_id, a.at FROM audit_log a "
        "LEFT JOIN users u ON u.id = a.actor_id WHERE a.team_id = $1 AND a.id > $2 ORDER BY a.id LIMIT $3",
        db::params(std::move(team_id), std::move(page.after), page.limit));
    co_return rows_as<AuditEntry>(rows, [](const db::Row& r) { return AuditEntry{r.str(0), r.opt_str(1), r.opt_str(2), r.str(3), r.str(4), r.str(5), r.i64(6)}; });
}

}  // namespace sb::server::store
