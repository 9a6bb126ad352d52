#include "server/core/idempotency.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "server/core/api_error.hpp"
#include "server/store/idempotency_store.hpp"

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
    auto prior = co_await store::IdempotencyStore(db).find(key.scope, key.key, crypto::now_ms() - kKeyLifetimeMs);
    if (!prior) co_return std::nullopt;
    if (prior->request_hash != key.request_hash)
        throw ApiError(422, "idempotency_key_reused", "this Idempotency-Key was used with a different body");
    // Rows written before bodies were sealed hold the JSON itself.
    std::string body = prior->body.starts_with("v1:") ? secrets.open(prior->body) : std::move(prior->body);
    Response response{prior->status, "application/json", std::move(body), {}};
    restore_headers(response, prior->headers);
    response.with_header("Idempotent-Replayed", "true");
    co_return response;
}

boost::asio::awaitable<void> remember_response(db::Session& s, const crypto::SecretBox& secrets, IdempotencyKey key,
                                               Response response) {
    // Expired keys of the same caller and path go first, which bounds the
    // table and frees an expired key for reuse.
    store::IdempotencyStore keys(s);
    co_await keys.remove_older(key.scope, crypto::now_ms() - kKeyLifetimeMs);
    store::StoredResponse stored{key.request_hash, response.status, secrets.seal(response.body), encode_headers(response)};
    co_await keys.insert(key.scope, key.key, std::move(stored), crypto::now_ms());
}

}  // namespace sb::server
