#include "server/store/member_store.hpp"

namespace sb::server::store {

namespace {
constexpr const char* kSelect =
    "SELECT u.id, u.email, u.name, m.role, m.created_at FROM memberships m JOIN users u ON u.id = m.user_id ";

Member member_from(const db::Row& r) { return {r.str(0), r.str(1), r.str(2), r.str(3), r.i64(4)}; }
}  // namespace

asio::awaitable<std::vector<Member>> MemberStore::list(std::string team_id, PageQuery page) {
    auto rows = co_await q_.query(std::string(kSelect) + "WHERE m.team_id = $1 AND u.id > $2 ORDER BY u.id LIMIT $3",
                                  db::params(std::move(team_id), std::move(page.after), page.limit));
    co_return rows_as<Member>(rows, member_from);
}

asio::awaitable<std::optional<Member>> MemberStore::find(std::string team_id, std::string user_id) {
    auto rows = co_await q_.query(std::string(kSelect) + "WHERE m.team_id = $1 AND u.id = $2",
                                  db::params(std::move(team_id), std::move(user_id)));
    if (rows.empty()) co_return std::nullopt;
    co_return member_from(rows.one());
}

asio::awaitable<std::optional<std::string>> MemberStore::role(std::string team_id, std::string user_id) {
    auto rows = co_await q_.query("SELECT role FROM memberships WHERE team_id = $1 AND user_id = $2",
                                  db::params(std::move(team_id), std::move(user_id)));
    if (rows.empty()) co_return std::nullopt;
    co_return rows.one().str(0);
}

asio::awaitable<bool> MemberStore::exists(std::string team_id, std::string user_id) {
    auto rows = co_await q_.query("SELECT 1 FROM memberships WHERE team_id = $1 AND user_id = $2",
                                  db::params(std::move(team_id), std::move(user_id)));
    co_return !rows.empty();
}

asio::awaitable<std::vector<std::string>> MemberStore::owner_ids(std::string team_id) {
    auto rows = co_await q_.query("SELECT user_id FROM memberships WHERE team_id = $1 AND role = 'owner'",
                                  db::params(std::move(team_id)));
    std::vector<std::string> out;
    for (const auto& r : rows.rows) out.push_back(r.str(0));
    co_return out;
}

asio::awaitable<void> MemberStore::insert(std::string team_id, std::string user_id, std::string role, std::int64_t now) {
    co_await q_.query("INSERT INTO memberships (team_id, user_id, role, created_at) VALUES ($1, $2, $3, $4)",
                      db::params(std::move(team_id), std::move(user_id), std::move(role), now));
}

asio::awaitable<void> MemberStore::set_role(std::string team_id, std::string user_id, std::string role) {
    co_await q_.query("UPDATE memberships SET role = $1 WHERE team_id = $2 AND user_id = $3",
                      db::params(std::move(role), std::move(team_id), std::move(user_id)));
}

asio::awaitable<void> MemberStore::remove(std::string team_id, std::string user_id) {
    co_await q_.query("DELETE FROM memberships WHERE team_id = $1 AND user_id = $2",
                      db::params(std::move(team_id), std::move(user_id)));
}

}  // namespace sb::server::store
