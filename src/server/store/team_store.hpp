#pragma once
// teams: the tenants everything else belongs to.
#include <optional>
#include <string>
#include <vector>

#include "server/store/querier.hpp"

namespace sb::server::store {

struct Team {
    std::string id;
    std::string name;
    std::string display_name;
    std::int64_t created_at = 0;
    std::int64_t updated_at = 0;
    std::int64_t version = 1;
};

struct TeamWithRole {
    Team team;
    std::string role;  // the user's role in it
};

class TeamStore {
public:
    explicit TeamStore(Querier q) : q_(q) {}

    asio::awaitable<std::optional<Team>> find(std::string id);
    asio::awaitable<std::vector<TeamWithRole>> list_for_user(std::string user_id, PageQuery page);
    asio::awaitable<std::int64_t> count();
    asio::awaitable<void> insert(std::string id, std::string name, std::string display_name, std::int64_t now);
    // False when `version` is no longer current.
    asio::awaitable<bool> update_display_name(std::string id, std::string display_name, std::int64_t now, std::int64_t version);
    asio::awaitable<void> remove(std::string id);

private:
    Querier q_;
};

}  // namespace sb::server::store
