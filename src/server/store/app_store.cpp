#include "server/store/app_store.hpp"

namespace sb::server::store {

namespace {
constexpr const char* kSelect =
    "SELECT id, name, spec, secrets, phase, message, created_at, updated_at, version, COALESCE(reported, ''), "
    "(SELECT MAX(r.number) FROM releases r WHERE r.app_id = apps.id) FROM apps ";

App app_from(const db::Row& r) {
    return {r.str(0), r.str(1), r.str(2), r.str(3), r.str(4), r.str(5), r.i64(6), r.i64(7), r.i64(8), r.str(9), r.opt_i64(10)};
}
}  // namespace

asio::awaitable<std::optional<App>> AppStore::find(std::string id) {
    auto rows = co_await q_.query(std::string(kSelect) + "WHERE id = $1", db::params(std::move(id)));
    if (rows.empty()) co_return std::nullopt;
    co_return app_from(rows.one());
}

asio::awaitable<std::vector<App>> AppStore::list(std::string project_id, PageQuery page, std::string name) {
    auto rows = co_await q_.query(
        std::string(kSelect) + "WHERE project_id = $1 AND id > $2 AND (CAST($3 AS TEXT) = '' OR name = $3) ORDER BY id LIMIT $4",
        db::params(std::move(project_id), std::move(page.after), std::move(name), page.limit));
    co_return rows_as<App>(rows, app_from);
}

asio::awaitable<std::vector<App>> AppStore::all_in_project(std::string project_id) {
    auto rows = co_await q_.query(std::string(kSelect) + "WHERE project_id = $1 ORDER BY id", db::params(std::move(project_id)));
    co_return rows_as<App>(rows, app_from);
}

asio::awaitable<std::vector<App>> AppStore::maybe_with_domain(std::string team_id, std::string host) {
    // Host names hold no LIKE wildcards (validated), so the quoted name matches literally.
    auto rows = co_await q_.query(std::string(kSelect) + "WHERE team_id = $1 AND spec LIKE $2 ORDER BY id",
                                  db::params(std::move(team_id), "%\"" + host + "\"%"));
    co_return rows_as<App>(rows, app_from);
}

asio::awaitable<bool> AppStore::exists_in_project(std::string id, std::string project_id) {
    auto rows = co_await q_.query("SELECT 1 FROM apps WHERE id = $1 AND project_id = $2",
                                  db::params(std::move(id), std::move(project_id)));
    co_return !rows.empty();
}

asio::awaitable<bool> AppStore::exists_in_team(std::string id, std::string team_id) {
    auto rows = co_await q_.query("SELECT 1 FROM apps WHERE id = $1 AND team_id = $2", db::params(std::move(id), std::move(team_id)));
    co_return !rows.empty();
}

asio::awaitable<void> AppStore::insert(std::string id, std::string team_id, std::string project_id, std::string name,
                                       std::string spec, std::string secrets, std::int64_t now) {
    co_await q_.query("INSERT INTO apps (id, team_id, project_id, name, spec, secrets, phase, message, created_at, updated_at) "
                      "VALUES ($1, $2, $3, $4, $5, $6, 'Pending', '', $7, $7)",
                      db::params(std::move(id), std::move(team_id), std::move(project_id), std::move(name), std::move(spec),
                                 std::move(secrets), now));
}

asio::awaitable<bool> AppStore::update_spec(std::string id, std::string spec, std::string secrets, std::int64_t now,
                                            std::int64_t version) {
    auto r = co_await q_.query(
        "UPDATE apps SET spec = $1, secrets = $2, updated_at = $3, version = version + 1 WHERE id = $4 AND version = $5",
        db::params(std::move(spec), std::move(secrets), now, std::move(id), version));
    co_return r.affected != 0;
}

asio::awaitable<void> AppStore::set_status(std::string id, std::string phase, std::string message) {
    co_await q_.query("UPDATE apps SET phase = $1, message = $2 WHERE id = $3",
                      db::params(std::move(phase), std::move(message), std::move(id)));
}

asio::awaitable<void> AppStore::remove(std::string id) {
    co_await q_.query("DELETE FROM apps WHERE id = $1", db::params(std::move(id)));
}

}  // namespace sb::server::store
