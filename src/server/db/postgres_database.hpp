#pragma once
#include <memory>

#include "db/sql.hpp"

namespace sb::server::db {

// PostgreSQL through libpq in non-blocking mode: queries are sent with
// PQsendQueryParams and the connection's socket is awaited in Asio, so the
// IO thread never blocks. A small pool of connections.
std::unique_ptr<Database> open_postgres(boost::asio::any_io_executor io, const std::string& url, int pool_size);

}  // namespace sb::server::db
