#pragma once
// Agent tokens: how a cluster's operator proves which cluster it is. A token
// is "sba_<cluster id>_<64 hex digits>"; the server keeps only its SHA-256.
// The cluster id in the token picks the row, and the hashes are compared in
// constant time, so no lookup or comparison depends on the secret part.
#include <boost/asio/awaitable.hpp>

#include <string>

#include "server/http/message.hpp"

namespace sb::server {

struct ServerState;

std::string new_agent_token(const std::string& cluster_id);

// The cluster whose agent token the request's Bearer header carries; throws a
// 401 ApiError for a missing, malformed, wrong or replaced token.
boost::asio::awaitable<std::string> authenticate_agent(ServerState& state, const Request& request);

}  // namespace sb::server
