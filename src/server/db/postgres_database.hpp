#pragma once
#include <memory>

#include "server/db/sql.hpp"

namespace sb::server::db {

// PostgreSQL through libpq (pg_connection): a small pool of connections,
// each opened on first use and reopened after a failure. The URL goes to
// libpq unchanged (pg_conninfo). Throws db::Error for a URL libpq cannot
// parse; connection problems surface on the first query.
std::unique_ptr<Database> open_postgres(boost::asio::any_io_executor io, const std::string& url, int pool_size);

}  // namespace sb::server::db
