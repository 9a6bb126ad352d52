#include "server/store/service_store.hpp"

namespace sb::server::store {

namespace {
constexpr const char* kSelect = "SELECT id, name, type, spec, phase, created_at, updated_at, version FROM services ";

Service service_from(const db::Row& r) {
    return {r.str(0), r.str(1), r.str(2), r.str(3), r.str(4), r.i64(5), r.i64(6), r.i64(7)};
}
}  // namespace

asio::awaitable<std::optional<Service>> ServiceStore::find(std::string id) {
    auto rows = co_await q_.query(std::string(kSelect) + "WHERE id = $1", db::params(std::move(id)));
    if (rows.empty()) co_return std::nullopt;
    co_return service_from(rows.one());
}

asio::awaitable<std::vector<Service>> ServiceStore::list(std::string project_id, PageQuery page, std::string type) {
    auto rows = co_await q_.query(
        std::string(kSelect) + "WHERE project_id = $1 AND id > $2 AND (CAST($3 AS TEXT) = '' OR type = $3) ORDER BY id LIMIT $4",
        db::params(std::move(project_id), std::move(page.after), std::move(type), page.limit));
    co_return rows_as<Service>(rows, service_from);
}

asio::awaitable<bool> ServiceStore::exists_in_project(std::string id, std::string project_id) {
    auto rows = co_await q_.query("SELECT 1 FROM services WHERE id = $1 AND project_id = $2",
                                  db::params(std::move(id), std::move(project_id)));
    co_return !rows.empty();
}

asio::awaitable<void> ServiceStore::insert(std::string id, std::string team_id, std::string project_id, std::string name,
                                           std::string type, std::string spec, std::int64_t now) {
    co_await q_.query("INSERT INTO services (id, team_id, project_id, name, type, spec, phase, created_at, updated_at) "
                      "VALUES ($1, $2, $3, $4, $5, $6, 'Pending', $7, $7)",
                      db::params(std::move(id), std::move(team_id), std::move(project_id), std::move(name), std::move(type),
                                 std::move(spec), now));
}

asio::awaitable<bool> ServiceStore::update_spec(std::string id, std::string spec, std::int64_t now, std::int64_t version) {
    auto r = co_await q_.query("UPDATE services SET spec = $1, updated_at = $2, version = version + 1 WHERE id = $3 AND version = $4",
                               db::params(std::move(spec), now, std::move(id), version));
    co_return r.affected != 0;
}

asio::awaitable<void> ServiceStore::remove(std::string id) {
    co_await q_.query("DELETE FROM services WHERE id = $1", db::params(std::move(id)));
}

}  // namespace sb::server::store
