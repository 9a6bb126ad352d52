#pragma once
// A request to a cluster's operator whose answer an API handler waits for:
// sent on the cluster's live connection, its ack (or the answer that takes
// an ack's place) handed back, whatever ends the wait (the answer, the
// deadline, the connection, the client going away) leaving nothing behind.
#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <string>

#include "agent/messages.hpp"

namespace sb::server {
struct ServerState;
}

namespace sb::server::agent {

// The answer: an Ack (ok or with the operator's error) or the message
// answering in its stead. Throws ApiError 503 cluster_unavailable when the
// cluster is not connected, 504 cluster_timeout after `timeout`; `what`
// names the request in those messages ("its source cannot be uploaded now").
boost::asio::awaitable<sb::agent::Body> send_and_wait(ServerState& state, std::string cluster_id, sb::agent::Body request,
                                                       std::chrono::seconds timeout, std::string what);

}  // namespace sb::server::agent
