#pragma once
#include <memory>

#include "server/db/sql.hpp"

namespace sb::server::db {

// SQLite in WAL mode with synchronous=FULL (a committed transaction survives
// a crash or power loss). Reads run inline on read-only connections; writes
// go through one writer connection with group commit (db/group_commit.hpp),
// whose COMMIT runs on a dedicated thread so the IO thread never blocks on fsync.
std::unique_ptr<Database> open_sqlite(boost::asio::any_io_executor io, const std::string& path, int busy_timeout_ms);

}  // namespace sb::server::db
