#include <filesystem>

#include "server/db/postgres_database.hpp"
#include "server/db/sql.hpp"
#include "server/db/sqlite_database.hpp"

namespace sb::server::db {

std::unique_ptr<Database> open(boost::asio::any_io_executor io, const OpenOptions& options) {
    if (!options.database_url.empty()) return open_postgres(std::move(io), options.database_url, options.pool_size);
    std::filesystem::create_directories(options.data_dir);
    auto path = std::filesystem::path(options.data_dir) / "shapeblock.db";
    return open_sqlite(std::move(io), path.string(), options.busy_timeout_ms);
}

}  // namespace sb::server::db
