#pragma once
// One SQLite connection with its prepared-statement cache. Not thread-safe:
// its owner makes sure only one thread uses it at a time.
#include <sqlite3.h>

#include <string>
#include <string_view>
#include <unordered_map>

#include "db/sql.hpp"

namespace sb::server::db {

class SqliteConnection {
public:
    enum class Mode { writer, reader };
    // The writer creates the file and switches it to WAL with synchronous=FULL;
    // readers are query_only and keep a small page cache (the OS caches the file).
    SqliteConnection(const std::string& path, Mode mode, int busy_timeout_ms);
    ~SqliteConnection();
    SqliteConnection(const SqliteConnection&) = delete;
    SqliteConnection& operator=(const SqliteConnection&) = delete;

    // Runs one statement ("$1" placeholders), preparing it once per connection.
    Result run(std::string_view sql, const Params& params);
    // True when the statement only reads (SELECT), so any reader may run it.
    bool reads_only(std::string_view sql);
    // False once SQLite rolled back the open transaction on its own (after
    // SQLITE_FULL, IOERR, BUSY or NOMEM in a statement).
    bool in_transaction() const { return sqlite3_get_autocommit(db_) == 0; }
    void exec_script(const char* sql);

private:
    sqlite3_stmt* prepare(std::string_view sql);
    [[noreturn]] void fail(const std::string& what);

    sqlite3* db_ = nullptr;
    // Keyed by the SQL text as written by the caller; texts are compile-time
    // constants, so the cache stays small.
    struct TextHash {
        using is_transparent = void;
        std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
    };
    std::unordered_map<std::string, sqlite3_stmt*, TextHash, std::equal_to<>> statements_;
};

}  // namespace sb::server::db
