#pragma once
// Cluster registration: a one-time URL from which `kubectl apply -f` installs
// the operator, already connected to this server (docs/cluster-import.md).
// The URL's token is random, stored as its SHA-256, expires after
// Config::registration_ttl and is spent by the request that gets the
// manifest, in the transaction that mints the agent token the manifest carries.
#include <boost/json/object.hpp>

#include "server/api/helpers.hpp"

namespace sb::server::api {

// Issues a registration for the cluster (replacing any earlier one) inside
// the caller's transaction: {"url", "command", "expiresAt"}.
asio::awaitable<json::object> issue_registration(db::Session& s, Context& ctx, std::string cluster_id);

// GET /api/v1/clusters/{cluster}/install.yaml?token=: the install manifest,
// once; 401 for a token that is not this cluster's current one, 410 for a
// used or expired one.
asio::awaitable<Response> serve_install_manifest(Context& ctx);

// Where clusters reach the server: Config::public_url, else the scheme and
// Host of the request.
std::string public_url(const ServerState& state, const Request& request);

}  // namespace sb::server::api
