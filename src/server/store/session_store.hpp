#pragma once
// sessions: browser sign-ins, found by the hash of their cookie.
#include <optional>
#include <string>

#include "server/store/querier.hpp"

namespace sb::server::store {

// A session with the user it signs in, as authentication needs it.
struct SessionLogin {
    std::string user_id;
    std::string email;
    bool is_admin = false;
    std::string csrf_token;
    std::int64_t expires_at = 0;
};

class SessionStore {
public:
    explicit SessionStore(Querier q) : q_(q) {}

    asio::awaitable<std::optional<SessionLogin>> find(std::string token_hash);
    asio::awaitable<void> insert(std::string token_hash, std::string user_id, std::string csrf_token, std::int64_t created_at,
                                 std::int64_t expires_at);
    asio::awaitable<void> remove(std::string token_hash);
    // Every session of the user except `keep_hash`.
    asio::awaitable<void> remove_others(std::string user_id, std::string keep_hash);

private:
    Querier q_;
};

}  // namespace sb::server::store
