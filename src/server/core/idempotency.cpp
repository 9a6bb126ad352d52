#include "server/core/idempotency.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "server/core/api_error.hpp"

namespace sb::server {

namespace {
// How long a key is remembered: retries come within minutes; a day bounds
// the table without surprising a slow client.
constexpr std::int64_t kKeyLifetimeMs = 24 * 3600 * 1000;

std::string encode_headers(const Response& response) {
    boost::json::array pairs;
    for (const auto& [name, value] : response.headers) pairs.push_back(boost::json::array{name, value});
    return boost::json::serialize(pairs);
}

void restore_headers(Response& response, const std::string& stored) {
    const boost::json::value parsed = boost::json::parse(stored);
    const boost::json::array& pairs = parsed.as_array();
    for (std::size_t i = 0; i < pairs.size(); ++i) {
        const auto& pair = pairs.at(i).as_array();
        response.with_header(std::string(pair.at(0).as_string()), std::string(pair.at(1).as_string()));
    }
}
}  // namespace

std::optional<IdempotencyKey> idempotency_key(const Request& request, const std::string& user_id) {
    auto key = request.header("idempotency-key");
    if (!key) return std::nullopt;
    if (key->empty() || key->size() > 128) throw invalid_field("Idempotency-Key", "Idempotency-Key must be 1-128 characters");
    return IdempotencyKey{user_id + " " + request.path, std::string(*key), crypto::token_hash(request.body)};
}

boost::asio::awaitable<std::optional<Response>> stored_response(db::Database& db, const crypto::SecretBox& secrets,
                                                                IdempotencyKey key) {
    auto prior = co_await db.query(
        "SELECT request_hash, status, body, headers FROM idempotency_keys WHERE scope = $1 AND idem_key = $2 AND created_at >= $3",
        db::params(key.scope, key.key, crypto::now_ms() - kKeyLifetimeMs));
    if (prior.empty()) co_return std::nullopt;
    const auto& row = prior.one();
    if (row.str(0) != key.request_hash)
        throw ApiError(422, "idempotency_key_reused", "this Idempotency-Key was used with a different body");
    // Rows written before bodies were sealed hold the JSON itself.
    const std::string& stored = row.str(2);
    std::string body = stored.starts_with("v1:") ? secrets.open(stored) : stored;
    Response response{static_cast<int>(row.i64(1)), "application/json", std::move(body), {}};
    restore_headers(response, row.str(3));
    response.with_header("Idempotent-Replayed", "true");
    co_return response;
}

boost::asio::awaitable<void> remember_response(db::Session& s, const crypto::SecretBox& secrets, IdempotencyKey key,
                                               Response response) {
    // Expired keys of the same caller and path go first, which bounds the
    // table and frees an expired key for reuse.
    co_await s.query("DELETE FROM idempotency_keys WHERE scope = $1 AND created_at < $2",
                     db::params(key.scope, crypto::now_ms() - kKeyLifetimeMs));
    co_await s.query(
        "INSERT INTO idempotency_keys (scope, idem_key, request_hash, status, body, headers, created_at) "
        "VALUES ($1, $2, $3, $4, $5, $6, $7)",
        db::params(key.scope, key.key, key.request_hash, std::int64_t{response.status}, secrets.seal(response.body),
                   encode_headers(response), crypto::now_ms()));
}

}  // namespace sb::server
