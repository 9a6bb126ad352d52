#pragma once
#include "server/db/sql.hpp"

namespace sb::server::db {

// Brings the schema to the newest version, one transaction per migration,
// recording each in schema_migrations. Returns the number applied.
boost::asio::awaitable<int> migrate(Database& db);
int latest_schema_version();

}  // namespace sb::server::db
