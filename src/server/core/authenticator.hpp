#pragma once
// Who is calling, and what they may reach: the checks the router makes
// before any handler runs, answered from the AuthCache when possible.
#include <boost/asio/awaitable.hpp>

#include <optional>

#include "server/db/sql.hpp"
#include "server/http/router.hpp"

namespace sb::server {

// The principal for a Bearer API token or a session cookie (with the CSRF
// check for cookie-authenticated writes); nullopt when the request carries
// neither. Throws 401/403 ApiErrors for bad credentials.
boost::asio::awaitable<std::optional<Principal>> authenticate(ServerState& state, const Request& request);

// The user's role in the team; nullopt when not a member.
boost::asio::awaitable<std::optional<Role>> team_role(ServerState& state, std::string team_id, std::string user_id);

// Whether `sql` (a "SELECT 1 ..." taking `params`) finds a row. `kind` names
// the lookup; found answers are cached under kind and params.
boost::asio::awaitable<bool> row_exists(ServerState& state, std::string kind, const char* sql, db::Params params);

}  // namespace sb::server
