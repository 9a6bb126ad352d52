#include "server/db/postgres_database.hpp"

#include <boost/asio/experimental/concurrent_channel.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "server/db/pg_connection.hpp"

namespace sb::server::db {
namespace asio = boost::asio;

namespace {

class PgSession final : public Session {
public:
    explicit PgSession(pg::Connection& c) : c_(c) {}
    asio::awaitable<Result> query(std::string sql, Params params) override {
        if (auto write = classify_write(sql)) writes.push_back(std::move(*write));
        co_return co_await c_.query(std::move(sql), std::move(params));
    }
    std::vector<TableWrite> writes;

private:
    pg::Connection& c_;
};

class PostgresDatabase final : public Database {
public:
    PostgresDatabase(asio::any_io_executor io, const pg::ConnInfo& info, int pool_size)
        : free_(io, static_cast<std::size_t>(pool_size)) {
        for (int i = 0; i < pool_size; ++i) {
            connections_.push_back(std::make_unique<pg::Connection>(io, info));
            free_.try_send(boost::system::error_code{}, connections_.back().get());
        }
    }

    std::string_view engine() const override { return "postgres"; }

    asio::awaitable<Result> query(std::string sql, Params params) override {
        auto write = classify_write(sql);
        Lease lease(co_await acquire(), free_);
        auto result = co_await lease.connection->query(std::move(sql), std::move(params));
        if (write) {
            std::vector<TableWrite> writes{*write};
            committed(writes);
        }
        co_return result;
    }

    asio::awaitable<void> transact(std::function<asio::awaitable<void>(Session&)> body) override {
        Lease lease(co_await acquire(), free_);
        co_await lease.connection->query("BEGIN", params());
        std::exception_ptr failure;
        PgSession session(*lease.connection);
        try {
            co_await body(session);
            co_await lease.connection->query("COMMIT", params());
            committed(session.writes);
        } catch (...) {
            failure = std::current_exception();
        }
        if (failure) {
            if (lease.connection->connected()) {
                try {
                    co_await lease.connection->query("ROLLBACK", params());
                } catch (...) {  // connection broken: the server rolls back on its own
                }
            }
            std::rethrow_exception(failure);
        }
    }

private:
    using Channel = asio::experimental::concurrent_channel<void(boost::system::error_code, pg::Connection*)>;
    struct Lease {
        Lease(pg::Connection* c, Channel& ch) : connection(c), channel(ch) {}
        ~Lease() { channel.try_send(boost::system::error_code{}, connection); }
        pg::Connection* connection;
        Channel& channel;
    };
    asio::awaitable<pg::Connection*> acquire() { co_return co_await free_.async_receive(asio::use_awaitable); }

    std::vector<std::unique_ptr<pg::Connection>> connections_;
    Channel free_;
};

}  // namespace

std::unique_ptr<Database> open_postgres(asio::any_io_executor io, const std::string& url, int pool_size) {
    pg::ConnInfo info;
    try {
        info = pg::parse_conninfo(url);
    } catch (const std::invalid_argument& e) {
        throw Error(Error::Kind::other, e.what());
    }
    return std::make_unique<PostgresDatabase>(std::move(io), info, pool_size);
}

}  // namespace sb::server::db
