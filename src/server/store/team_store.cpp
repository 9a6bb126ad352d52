#include "server/store/team_store.hpp"

namespace sb::server::store {

namespace {
Team team_from(const db::Row& r) { return {r.str(0), r.str(1), r.str(2), r.i64(3), r.i64(4), r.i64(5)}; }
}  // namespace

asio::awaitable<std::optional<Team>> TeamStore::find(std::string id) {
    auto rows = co_await q_.query("SELECT id, name, display_name, created_at, updated_at, version FROM teams WHERE id = $1",
                                  db::params(std::move(id)));
    if (rows.empty()) co_return std::nullopt;
    co_return team_from(rows.one());
}

asio::awaitable<std::vector<TeamWithRole>> TeamStore::list_for_user(std::string user_id, PageQuery page) {
    auto rows = co_await q_.query(
        "SELECT t.id, t.name, t.display_name, t.created_at, t.updated_at, t.version, m.role FROM teams t "
        "JOIN memberships m ON m.team_id = t.id WHERE m.user_id = $1 AND t.id > $2 ORDER BY t.id LIMIT $3",
        db::params(std::move(user_id), std::move(page.after), page.limit));
    co_return rows_as<TeamWithRole>(rows, [](const db::Row& r) { return TeamWithRole{team_from(r), r.str(6)}; });
}

asio::awaitable<std::int64_t> TeamStore::count() {
    auto rows = co_await q_.query("SELECT COUNT(*) FROM teams");
    co_return rows.one().i64(0);
}

asio::awaitable<void> TeamStore::insert(std::string id, std::string name, std::string display_name, std::int64_t now) {
    co_await q_.query("INSERT INTO teams (id, name, display_name, created_at, updated_at) VALUES ($1, $2, $3, $4, $4)",
                      db::params(std::move(id), std::move(name), std::move(display_name), now));
}

asio::awaitable<bool> TeamStore::update_display_name(std::string id, std::string display_name, std::int64_t now,
                                                     std::int64_t version) {
    auto r = co_await q_.query("UPDATE teams SET display_name = $1, updated_at = $2, version = version + 1 WHERE id = $3 AND version = $4",
                               db::params(std::move(display_name), now, std::move(id), version));
    co_return r.affected != 0;
}

asio::awaitable<void> TeamStore::remove(std::string id) {
    co_await q_.query("DELETE FROM teams WHERE id = $1", db::params(std::move(id)));
}

}  // namespace sb::server::store
