#include "server/db/sqlite_connection.hpp"

#include <cctype>

namespace sb::server::db {
namespace {

// "$1" -> "?1" outside string literals, so one SQL text serves both engines.
std::string rewrite_placeholders(std::string_view sql) {
    std::string out;
    out.reserve(sql.size());
    bool in_string = false;
    for (std::size_t i = 0; i < sql.size(); ++i) {
        char c = sql[i];
        if (c == '\'') in_string = !in_string;
        if (!in_string && c == '$' && i + 1 < sql.size() && std::isdigit(static_cast<unsigned char>(sql[i + 1])))
            c = '?';
        out.push_back(c);
    }
    return out;
}

Error::Kind classify(int code) {
    switch (code & 0xff) {
        case SQLITE_CONSTRAINT:
            if (code == SQLITE_CONSTRAINT_FOREIGNKEY) return Error::Kind::foreign_key_violation;
            if (code == SQLITE_CONSTRAINT_UNIQUE || code == SQLITE_CONSTRAINT_PRIMARYKEY) return Error::Kind::unique_violation;
            return Error::Kind::other;
        case SQLITE_BUSY:
        case SQLITE_LOCKED:
        case SQLITE_IOERR:
        case SQLITE_FULL:
            return Error::Kind::unavailable;
        default:
            return Error::Kind::other;
    }
}

}  // namespace

SqliteConnection::SqliteConnection(const std::string& path, Mode mode, int busy_timeout_ms) {
    // SQLite's default lookaside (100 slots of 1200 bytes) is written in full
    // at open: 120 KiB of resident memory per connection. 32 smaller slots
    // keep the fast path for the small allocations of our short statements.
    // Only possible before SQLite initialises; later it is a harmless no-op.
    static const int lookaside_configured = sqlite3_config(SQLITE_CONFIG_LOOKASIDE, 512, 32);
    (void)lookaside_configured;
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | (mode == Mode::writer ? SQLITE_OPEN_CREATE : 0);
    int rc = sqlite3_open_v2(path.c_str(), &db_, flags, nullptr);
    if (rc != SQLITE_OK) {
        std::string msg = db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
        sqlite3_close(db_);
        throw Error(Error::Kind::unavailable, "open " + path + ": " + msg);
    }
    sqlite3_extended_result_codes(db_, 1);
    sqlite3_busy_timeout(db_, busy_timeout_ms);
    if (mode == Mode::writer)
        exec_script("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON; PRAGMA cache_size=-128;");
    else
        exec_script("PRAGMA query_only=ON; PRAGMA cache_size=-64;");
}

SqliteConnection::~SqliteConnection() {
    for (auto& [_, stmt] : statements_) sqlite3_finalize(stmt);
    sqlite3_close(db_);
}

void SqliteConnection::exec_script(const char* sql) {
    char* err = nullptr;
    if (sqlite3_exec(db_, sql, nullptr, nullptr, &err) != SQLITE_OK) {
        std::string msg = err ? err : "unknown";
        sqlite3_free(err);
        throw Error(classify(sqlite3_extended_errcode(db_)), msg);
    }
}

Result SqliteConnection::run(std::string_view sql, const Params& params) { return execute(prepare(sql), sql, params); }

std::optional<Result> SqliteConnection::run_if_reads_only(std::string_view sql, const Params& params) {
    std::size_t text_hash = TextHash{}(sql);
    if (writes_.contains(text_hash)) return std::nullopt;
    Prepared prepared = prepare(sql);
    if (sqlite3_stmt_readonly(prepared.get()) == 0) {
        writes_.insert(text_hash);
        return std::nullopt;
    }
    return execute(prepared, sql, params);
}

Result SqliteConnection::execute(const Prepared& prepared, std::string_view sql, const Params& params) {
    sqlite3_stmt* stmt = prepared.get();
    for (std::size_t i = 0; i < params.size(); ++i) {
        int idx = static_cast<int>(i + 1);
        int rc = std::visit(
            [&](const auto& v) -> int {
                using T = std::decay_t<decltype(v)>;
                if constexpr (std::is_same_v<T, std::nullptr_t>) return sqlite3_bind_null(stmt, idx);
                else if constexpr (std::is_same_v<T, std::int64_t>) return sqlite3_bind_int64(stmt, idx, v);
                else return sqlite3_bind_text(stmt, idx, v.data(), static_cast<int>(v.size()), SQLITE_STATIC);
            },
            params[i]);
        if (rc != SQLITE_OK) fail("bind");
    }
    Result result;
    int ncol = sqlite3_column_count(stmt);
    result.columns->reserve(static_cast<std::size_t>(ncol));
    for (int c = 0; c < ncol; ++c) result.columns->push_back(sqlite3_column_name(stmt, c));
    for (;;) {
        int rc = sqlite3_step(stmt);
        if (rc == SQLITE_DONE) break;
        if (rc != SQLITE_ROW) fail(std::string(sql));
        std::vector<std::optional<std::string>> values;
        values.reserve(static_cast<std::size_t>(ncol));
        for (int c = 0; c < ncol; ++c) {
            if (sqlite3_column_type(stmt, c) == SQLITE_NULL) {
                values.emplace_back();
            } else {
                auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt, c));
                values.emplace_back(std::string(text, static_cast<std::size_t>(sqlite3_column_bytes(stmt, c))));
            }
        }
        result.rows.emplace_back(result.columns.get(), std::move(values));
    }
    result.affected = sqlite3_stmt_readonly(stmt) ? 0 : sqlite3_changes(db_);
    return result;
}

SqliteConnection::Prepared::~Prepared() {
    if (owned_) {
        sqlite3_finalize(stmt_);
    } else {
        sqlite3_reset(stmt_);
        sqlite3_clear_bindings(stmt_);
    }
}

SqliteConnection::Prepared SqliteConnection::prepare(std::string_view sql) {
    if (auto it = statements_.find(sql); it != statements_.end()) return Prepared(it->second, false);
    // A prepared statement holds 2-6 KiB on its connection, and many run only
    // once (migrations, first-run bootstrap, start-up checks): a statement is
    // kept from its second run on.
    bool keep = !seen_once_.insert(TextHash{}(sql)).second;
    std::string text = rewrite_placeholders(sql);
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v3(db_, text.c_str(), -1, keep ? SQLITE_PREPARE_PERSISTENT : 0, &stmt, nullptr) != SQLITE_OK)
        fail("prepare " + text);
    if (stmt == nullptr) throw Error(Error::Kind::other, "sqlite: empty statement");
    if (keep) statements_.emplace(std::string(sql), stmt);
    return Prepared(stmt, !keep);
}

void SqliteConnection::fail(const std::string& what) {
    int code = sqlite3_extended_errcode(db_);
    throw Error(classify(code), "sqlite: " + std::string(sqlite3_errmsg(db_)) + " (" + what + ")");
}

}  // namespace sb::server::db
