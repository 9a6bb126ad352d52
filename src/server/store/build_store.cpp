#include "server/store/build_store.hpp"

namespace sb::server::store {

namespace {
constexpr const char* kSelect =
    "SELECT id, app_id, git_ref, image_tag, status, message, logs_ref, created_at, started_at, finished_at, version, triggered_by, image, reported, source_digest, source_size FROM builds ";

Build build_from(const db::Row& r) {
    return {r.str(0), r.str(1), r.str(2), r.str(3), r.str(4), r.str(5), r.str(6), r.i64(7), r.opt_i64(8), r.opt_i64(9), r.i64(10), r.str(11), r.str(12), r.str(13), r.str(14), r.i64(15)};
}
}  // namespace

asio::awaitable<std::optional<Build>> BuildStore::find(std::string id) {
    auto rows = co_await q_.query(std::string(kSelect) + "WHERE id = $1", db::params(std::move(id)));
    if (rows.empty()) co_return std::nullopt;
    co_return build_from(rows.one());
}

asio::awaitable<std::vector<Build>> BuildStore::list(std::string app_id, PageQuery page, std::string status) {
    auto rows = co_await q_.query(
        std::string(kSelect) + "WHERE app_id = $1 AND id < $2 AND (CAST($3 AS TEXT) = '' OR status = $3) ORDER BY id DESC LIMIT $4",
        db::params(std::move(app_id), std::move(page.after), std::move(status), page.limit));
    co_return rows_as<Build>(rows, build_from);
}

asio::awaitable<bool> BuildStore::exists_in_app(std::string id, std::string app_id) {
    auto rows = co_await q_.query("SELECT 1 FROM builds WHERE id = $1 AND app_id = $2", db::params(std::move(id), std::move(app_id)));
    co_return !rows.empty();
}

asio::awaitable<bool> BuildStore::exists_in_team(std::string id, std::string team_id) {
    auto rows = co_await q_.query("SELECT 1 FROM builds WHERE id = $1 AND team_id = $2",
                                  db::params(std::move(id), std::move(team_id)));
    co_return !rows.empty();
}

asio::awaitable<void> BuildStore::insert(std::string team_id, std::string project_id, Build b) {
    co_await q_.query("INSERT INTO builds (id, team_id, project_id, app_id, git_ref, image_tag, status, message, logs_ref, created_at, triggered_by, image, source_digest, source_size) "
                      "VALUES ($1, $2, $3, $4, $5, $6, 'Pending', '', $7, $8, $9, $10, $11, $12)",
                      db::params(std::move(b.id), std::move(team_id), std::move(project_id), std::move(b.app_id),
                                 std::move(b.git_ref), std::move(b.image_tag), std::move(b.logs_ref), b.created_at,
                                 std::move(b.trigger), std::move(b.image), std::move(b.source_digest), b.source_size));
}

asio::awaitable<bool> BuildStore::update_status(Build b) {
    db::Param started = db::nullable(b.started_at), finished = db::nullable(b.finished_at);
    auto r = co_await q_.query(
        "UPDATE builds SET status = $1, message = $2, started_at = $3, finished_at = $4, version = version + 1 WHERE id = $5 AND version = $6",
        db::params(std::move(b.status), std::move(b.message), std::move(started), std::move(finished), std::move(b.id), b.version));
    co_return r.affected != 0;
}

}  // namespace sb::server::store
