#pragma once
// One SQLite connection with its prepared-statement cache. Not thread-safe:
// its owner makes sure only one thread uses it at a time.
#include <sqlite3.h>

#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>

#include "server/db/sql.hpp"

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

    // Runs one statement ("$1" placeholders).
    Result run(std::string_view sql, const Params& params);
    // Runs the statement when it only reads (SELECT), so any reader may run
    // it; nullopt, having run nothing, when it writes.
    std::optional<Result> run_if_reads_only(std::string_view sql, const Params& params);
    // False once SQLite rolled back the open transaction on its own (after
    // SQLITE_FULL, IOERR, BUSY or NOMEM in a statement).
    bool in_transaction() const { return sqlite3_get_autocommit(db_) == 0; }
    void exec_script(const char* sql);

private:
    // A statement ready to run: from the cache (reset after the run), or
    // prepared for this run alone (finalized after it).
    class Prepared {
    public:
        Prepared(sqlite3_stmt* stmt, bool owned) : stmt_(stmt), owned_(owned) {}
        ~Prepared();
        Prepared(const Prepared&) = delete;
        Prepared& operator=(const Prepared&) = delete;
        sqlite3_stmt* get() const { return stmt_; }

    private:
        sqlite3_stmt* stmt_;
        bool owned_;
    };

    Prepared prepare(std::string_view sql);
    Result execute(const Prepared& prepared, std::string_view sql, const Params& params);
    [[noreturn]] void fail(const std::string& what);

    sqlite3* db_ = nullptr;
    // Keyed by the SQL text as written by the caller; texts are compile-time
    // constants, so the cache stays small.
    struct TextHash {
        using is_transparent = void;
        std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
    };
    std::unordered_map<std::string, sqlite3_stmt*, TextHash, std::equal_to<>> statements_;
    // Hashes of the texts run once so far, and (readers) of those that write.
    // A collision only caches a statement early or sends a read to the writer.
    std::unordered_set<std::size_t> seen_once_;
    std::unordered_set<std::size_t> writes_;
};

}  // namespace sb::server::db
