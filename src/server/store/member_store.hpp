#pragma once
// memberships: who belongs to which team, with which role.
#include <optional>
#include <string>
#include <vector>

#include "server/store/querier.hpp"

namespace sb::server::store {

struct Member {
    std::string user_id;
    std::string email;
    std::string name;
    std::string role;
    std::int64_t since = 0;
};

class MemberStore {
public:
    explicit MemberStore(Querier q) : q_(q) {}

    asio::awaitable<std::vector<Member>> list(std::string team_id, PageQuery page);
    asio::awaitable<std::optional<Member>> find(std::string team_id, std::string user_id);
    // The user's role name in the team; nullopt when not a member.
    asio::awaitable<std::optional<std::string>> role(std::string team_id, std::string user_id);
    asio::awaitable<bool> exists(std::string team_id, std::string user_id);
    asio::awaitable<std::vector<std::string>> owner_ids(std::string team_id);
    asio::awaitable<void> insert(std::string team_id, std::string user_id, std::string role, std::int64_t now);
    asio::awaitable<void> set_role(std::string team_id, std::string user_id, std::string role);
    asio::awaitable<void> remove(std::string team_id, std::string user_id);

private:
    Querier q_;
};

}  // namespace sb::server::store
