#pragma once
// Tenant ownership: whether an object lives inside its parent (an app in its
// project, a project in its team, a token of its user ...). The router checks
// every path parameter against the one before it, and the event WebSocket
// checks a subscribed topic against the caller's team, both through here.
// Found answers are cached in the AuthCache.
#include <boost/asio/awaitable.hpp>

#include <string>

namespace sb::server {

struct ServerState;

// `kind` and `parent_kind` are path parameter names: "team", "project",
// "cluster", "app", "service", "build", "member", "token", "user" (its parent
// is "@user", the caller). False for a pair with no ownership relation.
boost::asio::awaitable<bool> owned_by(ServerState& state, std::string kind, std::string id, std::string parent_kind,
                                      std::string parent_id);

// The parameter an object's id is checked against in a path ("app" → "project",
// "token" → "@user"); empty when nothing contains it ("user"), nullptr when the
// name is no object ("team", unknown names).
const char* path_parent(std::string_view kind);

}  // namespace sb::server
