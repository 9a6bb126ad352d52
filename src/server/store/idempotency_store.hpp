#pragma once
// idempotency_keys: the responses of creates made with an Idempotency-Key.
#include <optional>
#include <string>

#include "server/store/querier.hpp"

namespace sb::server::store {

struct StoredResponse {
    std::string request_hash;
    int status = 0;
    std::string body;     // sealed, or JSON for rows written before bodies were sealed
    std::string headers;  // JSON array of [name, value] pairs
};

class IdempotencyStore {
public:
    explicit IdempotencyStore(Querier q) : q_(q) {}

    // The response stored at or after `since` (ms since the epoch).
    asio::awaitable<std::optional<StoredResponse>> find(std::string scope, std::string key, std::int64_t since);
    asio::awaitable<void> remove_older(std::string scope, std::int64_t before);
    asio::awaitable<void> insert(std::string scope, std::string key, StoredResponse response, std::int64_t now);

private:
    Querier q_;
};

}  // namespace sb::server::store
