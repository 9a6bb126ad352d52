#include "server/store/session_store.hpp"

namespace sb::server::store {

asio::awaitable<std::optional<SessionLogin>> SessionStore::find(std::string token_hash) {
    auto rows = co_await q_.query(
        "SELECT u.id, u.email, u.is_admin, s.csrf_token, s.expires_at FROM sessions s JOIN users u ON u.id = s.user_id "
        "WHERE s.token_hash = $1",
        db::params(std::move(token_hash)));
    if (rows.empty()) co_return std::nullopt;
    const auto& r = rows.one();
    co_return SessionLogin{r.str(0), r.str(1), r.i64(2) != 0, r.str(3), r.i64(4)};
}

asio::awaitable<void> SessionStore::insert(std::string token_hash, std::string user_id, std::string csrf_token,
                                           std::int64_t created_at, std::int64_t expires_at) {
    co_await q_.query("INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)",
                      db::params(std::move(token_hash), std::move(user_id), std::move(csrf_token), created_at, expires_at));
}

asio::awaitable<void> SessionStore::remove(std::string token_hash) {
    co_await q_.query("DELETE FROM sessions WHERE token_hash = $1", db::params(std::move(token_hash)));
}

asio::awaitable<void> SessionStore::remove_others(std::string user_id, std::string keep_hash) {
    co_await q_.query("DELETE FROM sessions WHERE user_id = $1 AND token_hash <> $2",
                      db::params(std::move(user_id), std::move(keep_hash)));
}

}  // namespace sb::server::store
