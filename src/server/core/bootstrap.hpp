#pragma once
#include <boost/asio/awaitable.hpp>

#include "server/core/state.hpp"

namespace sb::server {

// First start: creates the administrator (password from SB_ADMIN_PASSWORD or
// generated and printed once on stdout, never logged) and the default team.
// Every start: checks the master key against the database (see
// key_rotation.hpp) and loads the installed licence.
boost::asio::awaitable<void> bootstrap(ServerState& state);

}  // namespace sb::server
