#include "server/store/release_store.hpp"

namespace sb::server::store {

namespace {
constexpr const char* kSelect =
    "SELECT id, app_id, number, kind, actor, description, image, digest, build_id, config, secrets, created_at FROM releases ";

Release release_from(const db::Row& r) {
    return {r.str(0), r.str(1), r.i64(2), r.str(3), r.str(4), r.str(5), r.str(6), r.str(7), r.opt_str(8), r.str(9), r.str(10),
            r.i64(11)};
}
}  // namespace

asio::awaitable<std::vector<Release>> ReleaseStore::list(std::string app_id, std::int64_t before, std::int64_t limit) {
    auto rows = co_await q_.query(std::string(kSelect) + "WHERE app_id = $1 AND (CAST($2 AS BIGINT) = 0 OR number < CAST($2 AS BIGINT)) ORDER BY number DESC LIMIT $3",
                                  db::params(std::move(app_id), before, limit));
    co_return rows_as<Release>(rows, release_from);
}

asio::awaitable<std::optional<Release>> ReleaseStore::find(std::string app_id, std::int64_t number) {
    auto rows = co_await q_.query(std::string(kSelect) + "WHERE app_id = $1 AND number = $2", db::params(std::move(app_id), number));
    if (rows.empty()) co_return std::nullopt;
    co_return release_from(rows.one());
}

asio::awaitable<std::optional<Release>> ReleaseStore::latest(std::string app_id) {
    auto rows = co_await q_.query(std::string(kSelect) + "WHERE app_id = $1 ORDER BY number DESC LIMIT 1", db::params(std::move(app_id)));
    if (rows.empty()) co_return std::nullopt;
    co_return release_from(rows.one());
}

asio::awaitable<bool> ReleaseStore::exists_for_build(std::string build_id) {
    auto rows = co_await q_.query("SELECT 1 FROM releases WHERE build_id = $1", db::params(std::move(build_id)));
    co_return !rows.empty();
}

asio::awaitable<std::int64_t> ReleaseStore::append(Release r) {
    // Takes the app's row lock (PostgreSQL; SQLite writes one at a time anyway).
    co_await q_.query("UPDATE apps SET version = version WHERE id = $1", db::params(r.app_id));
    auto max = co_await q_.query("SELECT COALESCE(MAX(number), 0) FROM releases WHERE app_id = $1", db::params(r.app_id));
    std::int64_t number = max.one().i64(0) + 1;
    co_await q_.query(
        "INSERT INTO releases (id, app_id, number, kind, actor, description, image, digest, build_id, config, secrets, created_at) "
        "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
        db::params(std::move(r.id), std::move(r.app_id), number, std::move(r.kind), std::move(r.actor), std::move(r.description),
                   std::move(r.image), std::move(r.digest), db::nullable(r.build_id), std::move(r.config), std::move(r.secrets),
                   r.created_at));
    co_return number;
}

}  // namespace sb::server::store
