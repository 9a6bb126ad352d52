#include "server/store/token_store.hpp"

namespace sb::server::store {

asio::awaitable<std::optional<TokenLogin>> TokenStore::find_by_hash(std::string token_hash) {
    auto rows = co_await q_.query(
        "SELECT t.id, t.expires_at, t.last_used_at, u.id, u.email, u.is_admin FROM api_tokens t "
        "JOIN users u ON u.id = t.user_id WHERE t.token_hash = $1",
        db::params(std::move(token_hash)));
    if (rows.empty()) co_return std::nullopt;
    const auto& r = rows.one();
    co_return TokenLogin{r.str(0), r.str(3), r.str(4), r.i64(5) != 0, r.opt_i64(1), r.opt_i64(2)};
}

asio::awaitable<void> TokenStore::touch(std::string id, std::int64_t now) {
    co_await q_.query("UPDATE api_tokens SET last_used_at = $1 WHERE id = $2", db::params(now, std::move(id)));
}

asio::awaitable<std::vector<ApiToken>> TokenStore::list(std::string user_id, PageQuery page) {
    auto rows = co_await q_.query(
        "SELECT id, name, created_at, expires_at, last_used_at FROM api_tokens WHERE user_id = $1 AND id > $2 ORDER BY id LIMIT $3",
        db::params(std::move(user_id), std::move(page.after), page.limit));
    co_return rows_as<ApiToken>(rows, [](const db::Row& r) { return ApiToken{r.str(0), r.str(1), r.i64(2), r.opt_i64(3), r.opt_i64(4)}; });
}

asio::awaitable<void> TokenStore::insert(std::string user_id, ApiToken token, std::string token_hash) {
    co_await q_.query(
        "INSERT INTO api_tokens (id, user_id, name, token_hash, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)",
        db::params(std::move(token.id), std::move(user_id), std::move(token.name), std::move(token_hash), token.created_at,
                   db::nullable(token.expires_at)));
}

asio::awaitable<void> TokenStore::remove(std::string id, std::string user_id) {
    co_await q_.query("DELETE FROM api_tokens WHERE id = $1 AND user_id = $2", db::params(std::move(id), std::move(user_id)));
}

asio::awaitable<bool> TokenStore::exists(std::string id, std::string user_id) {
    auto rows = co_await q_.query("SELECT 1 FROM api_tokens WHERE id = $1 AND user_id = $2",
                                  db::params(std::move(id), std::move(user_id)));
    co_return !rows.empty();
}

}  // namespace sb::server::store
