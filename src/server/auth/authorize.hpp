#pragma once
// Authorisation of a matched route: authenticates the caller, checks the
// route's access and team role, and that every object named in the path lives
// inside the one before it (404 for other teams' objects).
#include <boost/asio/awaitable.hpp>

#include <map>
#include <string>
#include <vector>

#include "server/auth/principal.hpp"
#include "server/auth/role.hpp"
#include "server/http/message.hpp"

namespace sb::server {

struct ServerState;

struct Authorization {
    Principal principal;  // empty for public routes
    Role role = Role::viewer;  // in params["team"], for team routes
    std::string cluster_id;    // the agent token's cluster, for agent routes
};

// `param_names`: the path's parameters in path order. Throws ApiErrors (401,
// 403, 404) when the caller may not reach the route.
boost::asio::awaitable<Authorization> authorize(ServerState& state, const Request& request, Access access, Role min_role,
                                                const std::vector<std::string>& param_names,
                                                const std::map<std::string, std::string>& params);

}  // namespace sb::server
