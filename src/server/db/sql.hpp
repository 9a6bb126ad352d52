#pragma once
// The storage contract shared by the SQLite and PostgreSQL back ends. SQL is
// written once, PostgreSQL style ($1, $2 ...); the SQLite back end rewrites the
// placeholders. Values travel as text or 64-bit integers; results come back as
// text (NULL kept distinct), which both engines produce identically.
#include <boost/asio/awaitable.hpp>
#include <boost/asio/any_io_executor.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace sb::server::db {

using Param = std::variant<std::nullptr_t, std::int64_t, std::string>;
using Params = std::vector<Param>;

// NULL when empty. Use these instead of `c ? Param(x) : Param(nullptr)`:
// GCC 12 mishandles temporaries of a conditional expression in coroutines.
inline Param nullable(const std::optional<std::string>& v) { return v ? Param(*v) : Param(nullptr); }
inline Param nullable(const std::optional<std::int64_t>& v) { return v ? Param(*v) : Param(nullptr); }
inline Param nullable_text(const std::string& v) { return v.empty() ? Param(nullptr) : Param(v); }

// Builds Params without a braced list: GCC 12 cannot keep an initializer
// list alive across co_await, so `co_await q(sql, {a, b})` does not compile.
template <typename... Args>
Params params(Args&&... args) {
    Params out;
    out.reserve(sizeof...(args));
    (out.emplace_back(std::forward<Args>(args)), ...);
    return out;
}

class Row {
public:
    Row(const std::vector<std::string>* columns, std::vector<std::optional<std::string>> values)
        : columns_(columns), values_(std::move(values)) {}
    bool is_null(std::size_t i) const { return !values_.at(i).has_value(); }
    const std::string& str(std::size_t i) const;
    std::int64_t i64(std::size_t i) const;
    std::optional<std::int64_t> opt_i64(std::size_t i) const { return is_null(i) ? std::nullopt : std::optional(i64(i)); }
    std::optional<std::string> opt_str(std::size_t i) const { return values_.at(i); }
    std::size_t size() const { return values_.size(); }

private:
    const std::vector<std::string>* columns_;
    std::vector<std::optional<std::string>> values_;
};

struct Result {
    std::shared_ptr<std::vector<std::string>> columns = std::make_shared<std::vector<std::string>>();
    std::vector<Row> rows;
    std::int64_t affected = 0;
    bool empty() const { return rows.empty(); }
    const Row& one() const;
};

class Error : public std::runtime_error {
public:
    enum class Kind { unique_violation, foreign_key_violation, unavailable, other };
    Error(Kind kind, const std::string& message) : std::runtime_error(message), kind_(kind) {}
    Kind kind() const { return kind_; }

private:
    Kind kind_;
};

// What a statement changes, as far as caches of database rows care: the
// table and how its existing rows may have changed (an insert never makes a
// cached row wrong; caches hold found rows only).
struct TableWrite {
    // change: an upsert, DDL, anything not known to be a plain UPDATE or DELETE
    enum class Kind { insert, update, remove, change };
    Kind kind;
    std::string table;  // "*" when the statement's table is not known
};
// nullopt for statements that change nothing (SELECT, transaction control).
std::optional<TableWrite> classify_write(std::string_view sql);
// Called after the transaction that made these writes committed.
using WriteObserver = std::function<void(const std::vector<TableWrite>&)>;

// One connection held exclusively by a transaction.
class Session {
public:
    virtual ~Session() = default;
    virtual boost::asio::awaitable<Result> query(std::string sql, Params params = {}) = 0;
};

class Database {
public:
    virtual ~Database() = default;
    virtual std::string_view engine() const = 0;  // "sqlite" | "postgres"
    // A single statement in its own (auto-committed) transaction.
    virtual boost::asio::awaitable<Result> query(std::string sql, Params params = {}) = 0;
    // Runs `body` inside BEGIN ... COMMIT on one connection; rolls back and
    // rethrows when body throws. COMMIT returning means the data is durable.
    virtual boost::asio::awaitable<void> transact(std::function<boost::asio::awaitable<void>(Session&)> body) = 0;
    // Cheap liveness probe for /readyz: SELECT 1 answered.
    boost::asio::awaitable<bool> ping();

    // Caches of rows subscribe here; only writes made through this object are
    // seen (another process writing the same database is not).
    void observe_writes(WriteObserver observer) { observer_ = std::move(observer); }

protected:
    void committed(const std::vector<TableWrite>& writes) const {
        if (observer_ && !writes.empty()) observer_(writes);
    }

private:
    WriteObserver observer_;
};

struct OpenOptions {
    std::string database_url;  // postgresql://... ; empty means SQLite
    std::string data_dir = "./data";
    int pool_size = 4;         // PostgreSQL connections
    int busy_timeout_ms = 5000;
};

// Opens (and creates, for SQLite) the database. Does not migrate.
std::unique_ptr<Database> open(boost::asio::any_io_executor io, const OpenOptions& options);

}  // namespace sb::server::db
