#include "server/store/idempotency_store.hpp"

namespace sb::server::store {

asio::awaitable<std::optional<StoredResponse>> IdempotencyStore::find(std::string scope, std::string key, std::int64_t since) {
    auto rows = co_await q_.query(
        "SELECT request_hash, status, body, headers FROM idempotency_keys WHERE scope = $1 AND idem_key = $2 AND created_at >= $3",
        db::params(std::move(scope), std::move(key), since));
    if (rows.empty()) co_return std::nullopt;
    const auto& r = rows.one();
    co_return StoredResponse{r.str(0), static_cast<int>(r.i64(1)), r.str(2), r.str(3)};
}

asio::awaitable<void> IdempotencyStore::remove_older(std::string scope, std::int64_t before) {
    co_await q_.query("DELETE FROM idempotency_keys WHERE scope = $1 AND created_at < $2", db::params(std::move(scope), before));
}

asio::awaitable<void> IdempotencyStore::insert(std::string scope, std::string key, StoredResponse response, std::int64_t now) {
    co_await q_.query(
        "INSERT INTO idempotency_keys (scope, idem_key, request_hash, status, body, headers, created_at) "
        "VALUES ($1, $2, $3, $4, $5, $6, $7)",
        db::params(std::move(scope), std::move(key), std::move(response.request_hash), std::int64_t{response.status},
                   std::move(response.body), std::move(response.headers), now));
}

}  // namespace sb::server::store
