#pragma once
// A member's role in a team, and what a route requires of its caller.
#include <optional>
#include <string_view>

namespace sb::server {

// Ordered: a team role satisfies every lower one.
enum class Role { viewer = 0, developer = 1, admin = 2, owner = 3 };
std::optional<Role> parse_role(std::string_view text);
std::string_view role_name(Role role);

enum class Access {
    public_,        // anyone
    authenticated,  // any signed-in user
    server_admin,   // the installation's administrators
    team,           // a member of {team} with at least `Route::min_role`
    agent,          // a cluster's operator, by the cluster's agent token
    registration,   // whoever holds a cluster's one-time registration URL (?token=, checked by the handler as it spends it)
};

}  // namespace sb::server
