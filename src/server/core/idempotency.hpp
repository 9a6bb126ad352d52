#pragma once
// Idempotency keys for creates: a client may send `Idempotency-Key: <k>` with
// a create; a retry with the same key and body replays the first response
// instead of creating a second object. The key is written inside the create's
// own transaction (remember_response, called by the handler), so a crash can
// never leave an object without its key, or a key without its object. Keys
// expire after a day.
#include <boost/asio/awaitable.hpp>

#include <optional>
#include <string>

#include "server/core/crypto.hpp"
#include "server/db/sql.hpp"
#include "server/http/message.hpp"

namespace sb::server {

struct IdempotencyKey {
    std::string scope;         // the caller and the request path
    std::string key;
    std::string request_hash;  // of the body: a key reused with another body is refused
    bool remembered = false;   // set once the handler stored its response
};

// The key of a create request; nullopt without the header. Throws 400 when malformed.
std::optional<IdempotencyKey> idempotency_key(const Request& request, const std::string& user_id);

// The response stored under the key, nullopt when the key is new. Throws 422
// when the key was used with a different body.
boost::asio::awaitable<std::optional<Response>> stored_response(db::Database& db, const crypto::SecretBox& secrets,
                                                                IdempotencyKey key);

// Stores the response under the key, in the create's transaction. Bodies are
// sealed with the master key: a create may return a secret shown only once
// (a cluster's agent token). Fails with a unique violation when a concurrent
// request with the same key committed first (the create then rolls back).
boost::asio::awaitable<void> remember_response(db::Session& s, const crypto::SecretBox& secrets, IdempotencyKey key,
                                               Response response);

}  // namespace sb::server
