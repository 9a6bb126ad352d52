#include "server/auth/agent_token.hpp"

#include "server/core/api_error.hpp"
#include "server/core/crypto.hpp"
#include "server/core/state.hpp"
#include "server/store/cluster_store.hpp"

namespace sb::server {

namespace {
constexpr std::string_view kPrefix = "sba_";

// The cluster id of a well-formed token; empty otherwise.
std::string cluster_of(std::string_view token) {
    if (!token.starts_with(kPrefix)) return {};
    token.remove_prefix(kPrefix.size());
    auto underscore = token.find('_');
    if (underscore == std::string_view::npos || underscore == 0 || underscore > 64) return {};
    return std::string(token.substr(0, underscore));
}
}  // namespace

std::string new_agent_token(const std::string& cluster_id) { return crypto::new_token(std::string(kPrefix) + cluster_id); }

boost::asio::awaitable<std::string> authenticate_agent(ServerState& state, const Request& request) {
    auto header = request.header("authorization");
    if (!header || !std::string_view(*header).starts_with("Bearer "))
        throw ApiError(401, "unauthenticated", "send the cluster's agent token as Authorization: Bearer <token>");
    std::string_view token = std::string_view(*header).substr(7);
    auto cluster_id = cluster_of(token);
    if (cluster_id.empty()) throw ApiError(401, "unauthenticated", "the agent token is not valid");
    auto stored = co_await store::ClusterStore(*state.db).agent_token_hash(cluster_id);
    // A missing cluster costs the same hash and comparison as a present one.
    std::string expected = stored ? *stored : std::string(64, '0');
    bool valid = crypto::equal_constant_time(crypto::token_hash(token), expected);
    if (!stored || !valid) throw ApiError(401, "unauthenticated", "the agent token is not valid (revoked or replaced?)");
    co_return cluster_id;
}

}  // namespace sb::server
