#pragma once
// api_tokens: personal API tokens, stored hashed.
#include <optional>
#include <string>
#include <vector>

#include "server/store/querier.hpp"

namespace sb::server::store {

struct ApiToken {
    std::string id;
    std::string name;
    std::int64_t created_at = 0;
    std::optional<std::int64_t> expires_at;
    std::optional<std::int64_t> last_used_at;
};

// A token with the user it signs in, as authentication needs it.
struct TokenLogin {
    std::string token_id;
    std::string user_id;
    std::string email;
    bool is_admin = false;
    std::optional<std::int64_t> expires_at;
    std::optional<std::int64_t> last_used_at;
};

class TokenStore {
public:
    explicit TokenStore(Querier q) : q_(q) {}

    asio::awaitable<std::optional<TokenLogin>> find_by_hash(std::string token_hash);
    asio::awaitable<void> touch(std::string id, std::int64_t now);
    asio::awaitable<std::vector<ApiToken>> list(std::string user_id, PageQuery page);
    asio::awaitable<void> insert(std::string user_id, ApiToken token, std::string token_hash);
    asio::awaitable<void> remove(std::string id, std::string user_id);
    asio::awaitable<bool> exists(std::string id, std::string user_id);

private:
    Querier q_;
};

}  // namespace sb::server::store
