#pragma once
// Ends a cluster's live agent connection the way the protocol does: connect
// with the cluster's agent token and say hello, so the server closes the
// operator's connection with 4000 ("replaced"); once welcomed, close this one
// normally (no snapshot: it never speaks for the cluster's objects). The
// operator then reconnects after its back-off.
#include <string>

#include "bench/agent/rest_client.hpp"

namespace sb::bench {

// True when the server welcomed the replacement (the operator was cut off).
bool replace_agent_connection(const ServerAddress& server, const std::string& agent_token, const std::string& cluster_id);

}  // namespace sb::bench
