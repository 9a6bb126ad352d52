#pragma once
// An app's uploaded source (PUT .../apps/{app}/source) on its way to the
// app's cluster: read from the request piece by piece and sent over the
// cluster's live operator connection as sourceChunk messages, each sent once
// the previous one was acked, so the server holds one piece at a time and
// keeps nothing (docs/agent-protocol.md, "Source uploads").
#include <boost/asio/awaitable.hpp>

#include <cstdint>
#include <string>

namespace sb::server {
struct ServerState;
class BodySource;
}  // namespace sb::server

namespace sb::server::agent {

struct SourceDestination {
    std::string cluster_id;
    std::string namespace_;  // the app's project
    std::string app;
};

struct StoredSource {
    std::string digest;  // sha256:<hex> of the archive, as the operator stored it
    std::int64_t size = 0;
};

// Throws ApiError: 413 payload_too_large above `limit` bytes (before reading
// anything when the client announced its length), 400 when the body is empty
// or not gzip, 503 cluster_unavailable when the cluster is not connected (or
// disconnects meanwhile), 409 when its operator takes no uploads or has no
// such App yet, 504 when it does not answer in time, 502 for any other
// refusal, with the operator's reason.
boost::asio::awaitable<StoredSource> relay_source(ServerState& state, SourceDestination where, BodySource& body,
                                                  std::uint64_t limit);

}  // namespace sb::server::agent
