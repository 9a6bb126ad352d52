#pragma once
// Who is calling, and what they may reach: the checks the router makes
// before any handler runs, answered from the AuthCache when possible.
#include <boost/asio/awaitable.hpp>

#include <optional>

#include "server/auth/principal.hpp"
#include "server/auth/role.hpp"
#include "server/http/message.hpp"

namespace sb::server {

struct ServerState;

// The principal for a Bearer API token or a session cookie (with the CSRF
// check for cookie-authenticated writes); nullopt when the request carries
// neither. Throws 401/403 ApiErrors for bad credentials.
boost::asio::awaitable<std::optional<Principal>> authenticate(ServerState& state, const Request& request);

// The user's role in the team; nullopt when not a member.
boost::asio::awaitable<std::optional<Role>> team_role(ServerState& state, std::string team_id, std::string user_id);

}  // namespace sb::server
