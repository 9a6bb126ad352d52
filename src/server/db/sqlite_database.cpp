#include "db/sqlite_database.hpp"

#include <sqlite3.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <unordered_map>

#include "db/exclusive.hpp"

namespace sb::server::db {
namespace asio = boost::asio;

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

// The connection and its statement cache; only ever touched on the DB thread.
class Connection {
public:
    Connection(const std::string& path, int busy_timeout_ms) {
        int rc = sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                                 nullptr);
        if (rc != SQLITE_OK) {
            std::string msg = db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
            sqlite3_close(db_);
            throw Error(Error::Kind::unavailable, "open " + path + ": " + msg);
        }
        sqlite3_extended_result_codes(db_, 1);
        sqlite3_busy_timeout(db_, busy_timeout_ms);
        exec_script("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;");
    }
    ~Connection() {
        for (auto& [_, stmt] : statements_) sqlite3_finalize(stmt);
        sqlite3_close(db_);
    }

    void exec_script(const char* sql) {
        char* err = nullptr;
        if (sqlite3_exec(db_, sql, nullptr, nullptr, &err) != SQLITE_OK) {
            std::string msg = err ? err : "unknown";
            sqlite3_free(err);
            throw Error(classify(sqlite3_extended_errcode(db_)), msg);
        }
    }

    Result run(std::string_view sql, const Params& params) {
        sqlite3_stmt* stmt = prepare(sql);
        struct Reset {
            sqlite3_stmt* s;
            ~Reset() { sqlite3_reset(s); sqlite3_clear_bindings(s); }
        } reset{stmt};
        for (std::size_t i = 0; i < params.size(); ++i) {
            int idx = static_cast<int>(i + 1);
            int rc = std::visit(
                [&](const auto& v) -> int {
                    using T = std::decay_t<decltype(v)>;
                    if constexpr (std::is_same_v<T, std::nullptr_t>) return sqlite3_bind_null(stmt, idx);
                    else if constexpr (std::is_same_v<T, std::int64_t>) return sqlite3_bind_int64(stmt, idx, v);
                    else return sqlite3_bind_text(stmt, idx, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
                },
                params[i]);
            if (rc != SQLITE_OK) fail("bind");
        }
        Result result;
        int ncol = sqlite3_column_count(stmt);
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
        result.affected = sqlite3_changes(db_);
        return result;
    }

private:
    sqlite3_stmt* prepare(std::string_view sql) {
        auto key = std::string(sql);
        if (auto it = statements_.find(key); it != statements_.end()) return it->second;
        std::string text = rewrite_placeholders(sql);
        sqlite3_stmt* stmt = nullptr;
        if (sqlite3_prepare_v3(db_, text.c_str(), -1, SQLITE_PREPARE_PERSISTENT, &stmt, nullptr) != SQLITE_OK)
            fail("prepare " + text);
        statements_.emplace(std::move(key), stmt);
        return stmt;
    }

    [[noreturn]] void fail(const std::string& what) {
        int code = sqlite3_extended_errcode(db_);
        throw Error(classify(code), "sqlite: " + std::string(sqlite3_errmsg(db_)) + " (" + what + ")");
    }

    sqlite3* db_ = nullptr;
    std::unordered_map<std::string, sqlite3_stmt*> statements_;
};

class SqliteDatabase;

class SqliteSession final : public Session {
public:
    explicit SqliteSession(SqliteDatabase& db) : db_(db) {}
    asio::awaitable<Result> query(std::string sql, Params params) override;

private:
    SqliteDatabase& db_;
};

class SqliteDatabase final : public Database {
public:
    SqliteDatabase(asio::any_io_executor io, const std::string& path, int busy_timeout_ms)
        : connection_(path, busy_timeout_ms), exclusive_(io, 1) {}
    ~SqliteDatabase() override { thread_.join(); }

    std::string_view engine() const override { return "sqlite"; }

    asio::awaitable<Result> query(std::string sql, Params params) override {
        auto permit = co_await exclusive_.acquire();
        co_return co_await run(sql, std::move(params));
    }

    asio::awaitable<void> transact(std::function<asio::awaitable<void>(Session&)> body) override {
        auto permit = co_await exclusive_.acquire();
        co_await run("BEGIN IMMEDIATE", {});
        std::exception_ptr failure;
        try {
            SqliteSession session(*this);
            co_await body(session);
            co_await run("COMMIT", {});
        } catch (...) {
            failure = std::current_exception();
        }
        if (failure) {
            try {
                co_await run("ROLLBACK", {});
            } catch (...) {  // the transaction may already be gone (failed COMMIT); the original error matters
            }
            std::rethrow_exception(failure);
        }
    }

    asio::awaitable<bool> ping() override {
        try {
            co_await query("SELECT 1", {});
            co_return true;
        } catch (const std::exception&) {
            co_return false;
        }
    }

    // Runs one statement on the DB thread; the caller holds the permit.
    asio::awaitable<Result> run(std::string sql, Params params) {
        // The lambda is a named local: GCC 12 destroys a lambda temporary with
        // moved-in captures twice when it appears inside a co_await expression.
        auto work = [this, statement = std::move(sql), values = std::move(params)]() -> asio::awaitable<Result> {
            co_return connection_.run(statement, values);
        };
        co_return co_await asio::co_spawn(thread_.get_executor(), std::move(work), asio::use_awaitable);
    }

private:
    Connection connection_;
    AsyncSemaphore exclusive_;
    asio::thread_pool thread_{1};
};

asio::awaitable<Result> SqliteSession::query(std::string sql, Params params) {
    co_return co_await db_.run(sql, std::move(params));
}

}  // namespace

std::unique_ptr<Database> open_sqlite(asio::any_io_executor io, const std::string& path, int busy_timeout_ms) {
    return std::make_unique<SqliteDatabase>(std::move(io), path, busy_timeout_ms);
}

}  // namespace sb::server::db
