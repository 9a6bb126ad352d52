#include "server/store/usage_store.hpp"

#include "server/core/crypto.hpp"

namespace sb::server::store {

asio::awaitable<void> UsageStore::append(std::string team_id, std::string kind, std::int64_t quantity, std::string subject_id) {
    co_await q_.query(
        "INSERT INTO usage_records (id, team_id, kind, quantity, subject_id, recorded_at) VALUES ($1, $2, $3, $4, $5, $6)",
        db::params(crypto::new_id(), std::move(team_id), std::move(kind), quantity, std::move(subject_id), crypto::now_ms()));
}

asio::awaitable<std::vector<std::pair<std::string, std::int64_t>>> UsageStore::totals(std::string team_id) {
    auto rows = co_await q_.query("SELECT kind, SUM(quantity) FROM usage_records WHERE team_id = $1 GROUP BY kind ORDER BY kind",
                                  db::params(std::move(team_id)));
    std::vector<std::pair<std::string, std::int64_t>> out;
    for (const auto& r : rows.rows) out.emplace_back(r.str(0), r.i64(1));
    co_return out;
}

asio::awaitable<std::vector<UsageRecord>> UsageStore::list(std::string team_id, PageQuery page, std::string kind) {
    auto rows = co_await q_.query(
        "SELECT id, kind, quantity, subject_id, recorded_at FROM usage_records WHERE team_id = $1 AND id > $2 "
        "AND (CAST($3 AS TEXT) = '' OR kind = $3) ORDER BY id LIMIT $4",
        db::params(std::move(team_id), std::move(page.after), std::move(kind), page.limit));
    co_return rows_as<UsageRecord>(rows, [](const db::Row& r) { return UsageRecord{r.str(0), r.str(1), r.i64(2), r.str(3), r.i64(4)}; });
}

}  // namespace sb::server::store
