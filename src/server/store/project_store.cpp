#include "server/store/project_store.hpp"

namespace sb::server::store {

namespace {
constexpr const char* kSelect =
    "SELECT id, name, display_name, description, cluster_id, created_at, updated_at, version, quota FROM projects ";

Project project_from(const db::Row& r) {
    return {r.str(0), r.str(1), r.str(2), r.str(3), r.opt_str(4), r.i64(5), r.i64(6), r.i64(7), r.str(8)};
}
}  // namespace

asio::awaitable<std::optional<Project>> ProjectStore::find(std::string id) {
    auto rows = co_await q_.query(std::string(kSelect) + "WHERE id = $1", db::params(std::move(id)));
    if (rows.empty()) co_return std::nullopt;
    co_return project_from(rows.one());
}

asio::awaitable<std::vector<Project>> ProjectStore::list(std::string team_id, PageQuery page, std::string name) {
    auto rows = co_await q_.query(
        std::string(kSelect) + "WHERE team_id = $1 AND id > $2 AND (CAST($3 AS TEXT) = '' OR name = $3) ORDER BY id LIMIT $4",
        db::params(std::move(team_id), std::move(page.after), std::move(name), page.limit));
    co_return rows_as<Project>(rows, project_from);
}

asio::awaitable<bool> ProjectStore::exists_in_team(std::string id, std::string team_id) {
    auto rows = co_await q_.query("SELECT 1 FROM projects WHERE id = $1 AND team_id = $2",
                                  db::params(std::move(id), std::move(team_id)));
    co_return !rows.empty();
}

asio::awaitable<void> ProjectStore::insert(std::string team_id, Project p) {
    co_await q_.query("INSERT INTO projects (id, team_id, name, display_name, description, cluster_id, created_at, updated_at, quota) "
                      "VALUES ($1, $2, $3, $4, $5, $6, $7, $7, $8)",
                      db::params(std::move(p.id), std::move(team_id), std::move(p.name), std::move(p.display_name),
                                 std::move(p.description), db::nullable(p.cluster_id), p.created_at, std::move(p.quota)));
}

asio::awaitable<bool> ProjectStore::update(Project p, std::int64_t now) {
    db::Param cluster = db::nullable(p.cluster_id);
    auto r = co_await q_.query(
        "UPDATE projects SET display_name = $1, description = $2, cluster_id = $3, updated_at = $4, quota = $7, version = version + 1 "
        "WHERE id = $5 AND version = $6",
        db::params(std::move(p.display_name), std::move(p.description), std::move(cluster), now, std::move(p.id), p.version,
                   std::move(p.quota)));
    co_return r.affected != 0;
}

asio::awaitable<void> ProjectStore::remove(std::string id) {
    co_await q_.query("DELETE FROM projects WHERE id = $1", db::params(std::move(id)));
}

}  // namespace sb::server::store
