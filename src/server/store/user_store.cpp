#include "server/store/user_store.hpp"

namespace sb::server::store {

namespace {
constexpr const char* kColumns = "SELECT id, email, name, is_admin, created_at";

User user_from(const db::Row& r) { return {r.str(0), r.str(1), r.str(2), r.i64(3) != 0, r.i64(4)}; }
}  // namespace

asio::awaitable<std::optional<User>> UserStore::find(std::string id) {
    auto rows = co_await q_.query(std::string(kColumns) + " FROM users WHERE id = $1", db::params(std::move(id)));
    if (rows.empty()) co_return std::nullopt;
    co_return user_from(rows.one());
}

asio::awaitable<std::optional<UserWithPassword>> UserStore::find_by_email_with_password(std::string email) {
    auto rows = co_await q_.query(std::string(kColumns) + ", password_hash FROM users WHERE email = $1", db::params(std::move(email)));
    if (rows.empty()) co_return std::nullopt;
    co_return UserWithPassword{user_from(rows.one()), rows.one().str(5)};
}

asio::awaitable<std::optional<std::string>> UserStore::id_by_email(std::string email) {
    auto rows = co_await q_.query("SELECT id FROM users WHERE email = $1", db::params(std::move(email)));
    if (rows.empty()) co_return std::nullopt;
    co_return rows.one().str(0);
}

asio::awaitable<std::optional<std::string>> UserStore::password_hash(std::string id) {
    auto rows = co_await q_.query("SELECT password_hash FROM users WHERE id = $1", db::params(std::move(id)));
    if (rows.empty()) co_return std::nullopt;
    co_return rows.one().str(0);
}

asio::awaitable<bool> UserStore::exists(std::string id) {
    auto rows = co_await q_.query("SELECT 1 FROM users WHERE id = $1", db::params(std::move(id)));
    co_return !rows.empty();
}

asio::awaitable<std::vector<User>> UserStore::list(PageQuery page, std::string email) {
    auto rows = co_await q_.query(std::string(kColumns) +
                                      " FROM users WHERE id > $1 AND (CAST($2 AS TEXT) = '' OR email = $2) ORDER BY id LIMIT $3",
                                  db::params(std::move(page.after), std::move(email), page.limit));
    co_return rows_as<User>(rows, user_from);
}

asio::awaitable<std::int64_t> UserStore::count() {
    auto rows = co_await q_.query("SELECT COUNT(*) FROM users");
    co_return rows.one().i64(0);
}

asio::awaitable<void> UserStore::insert(User user, std::string password_hash) {
    co_await q_.query("INSERT INTO users (id, email, name, password_hash, is_admin, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
                      db::params(std::move(user.id), std::move(user.email), std::move(user.name), std::move(password_hash),
                                 std::int64_t{user.is_admin ? 1 : 0}, user.created_at));
}

asio::awaitable<void> UserStore::set_password(std::string id, std::string password_hash) {
    co_await q_.query("UPDATE users SET password_hash = $1, version = version + 1 WHERE id = $2",
                      db::params(std::move(password_hash), std::move(id)));
}

}  // namespace sb::server::store
