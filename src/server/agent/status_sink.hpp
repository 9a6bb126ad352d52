#pragma once
// What an operator reports, into the server's records and out to event
// subscribers: object status (apps, builds, services), acks of the server's
// requests, and build log chunks.
#include <boost/asio/awaitable.hpp>

#include "agent/messages.hpp"

namespace sb::server {
struct ServerState;
}

namespace sb::server::agent {

class AgentConnection;

// A status or snapshot entry. Reports about objects this cluster does not
// hold for the server (other clusters', or made with kubectl) change nothing.
boost::asio::awaitable<void> ingest_status(ServerState& state, AgentConnection& connection, sb::agent::Status status);
boost::asio::awaitable<void> ingest_ack(ServerState& state, AgentConnection& connection, sb::agent::Ack ack);
boost::asio::awaitable<void> ingest_log_chunk(ServerState& state, AgentConnection& connection, sb::agent::LogChunk chunk);

}  // namespace sb::server::agent
