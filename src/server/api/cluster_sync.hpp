#pragma once
// Carries API writes to the project's cluster: after a write the cluster's
// desired state is sent again (level-triggered; unchanged objects are no-ops
// for server-side apply), and a delete is remembered until the cluster
// confirms it, so a cluster that is away when it happens still gets it.
#include <boost/asio/awaitable.hpp>

#include <string>

#include "server/db/sql.hpp"

namespace sb::server {
struct ServerState;
}

namespace sb::server::api {

boost::asio::awaitable<void> sync_project_cluster(ServerState& state, std::string project_id);

// In the delete's transaction, before the rows go: `kind` is Project (the
// project itself), App or Service (in the project's namespace).
boost::asio::awaitable<void> request_cluster_delete(db::Session& s, std::string project_id, std::string kind,
                                                    std::string name);

}  // namespace sb::server::api
