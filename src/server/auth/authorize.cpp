#include "server/auth/authorize.hpp"

#include "server/auth/agent_token.hpp"
#include "server/auth/authenticator.hpp"
#include "server/auth/ownership.hpp"
#include "server/core/api_error.hpp"

namespace sb::server {
namespace asio = boost::asio;

asio::awaitable<Authorization> authorize(ServerState& state, const Request& request, Access access, Role min_role,
                                         const std::vector<std::string>& param_names,
                                         const std::map<std::string, std::string>& params) {
    Authorization out;
    if (access == Access::public_ || access == Access::registration) co_return out;
    if (access == Access::agent) {
        out.cluster_id = co_await authenticate_agent(state, request);
        co_return out;
    }
    auto principal = co_await authenticate(state, request);
    if (!principal) throw unauthenticated();
    out.principal = std::move(*principal);
    if (access == Access::server_admin && !out.principal.is_admin)
        throw forbidden("only installation administrators may do this");
    if (access == Access::team) {
        auto role = co_await team_role(state, params.at("team"), out.principal.user_id);
        // Not a member: the team does not exist as far as this caller can tell.
        if (!role) throw not_found("team");
        out.role = *role;
    }
    // Walk the path parameters in order; each must live inside its parent.
    for (const auto& name : param_names) {
        const char* parent = path_parent(name);
        if (!parent) continue;
        std::string parent_kind = parent, parent_id;
        if (parent_kind == "@user") parent_id = out.principal.user_id;
        else if (!parent_kind.empty()) parent_id = params.at(parent_kind);
        bool owned = co_await owned_by(state, name, params.at(name), parent_kind, parent_id);
        if (!owned) throw not_found(name);
    }
    if (access == Access::team && out.role < min_role)
        throw forbidden("this needs the " + std::string(role_name(min_role)) + " role in the team (you are " +
                        std::string(role_name(out.role)) + ")");
    co_return out;
}

}  // namespace sb::server
