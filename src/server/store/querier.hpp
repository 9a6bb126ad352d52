#pragma once
// Where a store's statements run: the database (each statement in its own
// transaction) or the session of a transaction in progress. Stores take one by
// value; it is two pointers.
#include <boost/asio/awaitable.hpp>

#include <vector>

#include "server/db/sql.hpp"

namespace sb::server::store {

namespace asio = boost::asio;

class Querier {
public:
    Querier(db::Database& database) : database_(&database) {}  // NOLINT: implicit on purpose
    Querier(db::Session& session) : session_(&session) {}      // NOLINT: implicit on purpose

    asio::awaitable<db::Result> query(std::string sql, db::Params params = {}) const {
        if (session_) return session_->query(std::move(sql), std::move(params));
        return database_->query(std::move(sql), std::move(params));
    }

private:
    db::Database* database_ = nullptr;
    db::Session* session_ = nullptr;
};

// Every row of a result, read into a T by `from` (a store's row reader).
template <typename T, typename From>
std::vector<T> rows_as(const db::Result& rows, From from) {
    std::vector<T> out;
    out.reserve(rows.rows.size());
    for (const auto& r : rows.rows) out.push_back(from(r));
    return out;
}

// One page of a list, ordered by id: rows after `after` (or before, for
// newest-first lists), at most `limit` of them.
struct PageQuery {
    std::string after;
    std::int64_t limit = 0;
};

}  // namespace sb::server::store
