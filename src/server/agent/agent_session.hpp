#pragma once
// One operator's WebSocket (docs/agent-protocol.md): hello and version
// negotiation, the cluster's state in the database, the full desired state
// after its snapshot, then changes both ways until the connection ends.
#include <boost/asio/awaitable.hpp>

#include <string>

#include "server/http/router.hpp"

namespace sb::server {
struct ServerState;
class WebSocket;
}  // namespace sb::server

namespace sb::server::agent {

// The WebSocket handler of GET /api/v1/agent; session.params["cluster"] is the
// cluster the agent token belongs to.
boost::asio::awaitable<void> serve_agent(ServerState& state, WebSocket& ws, WebSocketSession session);

// Sends the cluster's whole desired state to its operator when it is
// connected (API writes call it; a disconnected cluster gets it on connect).
boost::asio::awaitable<void> sync_cluster(ServerState& state, std::string cluster_id);

}  // namespace sb::server::agent
