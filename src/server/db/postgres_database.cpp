#include "db/postgres_database.hpp"

#include "db/libpq.hpp"

#include <boost/asio/experimental/concurrent_channel.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace sb::server::db {
namespace asio = boost::asio;

namespace {

Error::Kind classify(const char* sqlstate) {
    std::string_view s = sqlstate ? sqlstate : "";
    if (s == "23505") return Error::Kind::unique_violation;
    if (s == "23503") return Error::Kind::foreign_key_violation;
    if (s.starts_with("08") || s.starts_with("57") || s.starts_with("53")) return Error::Kind::unavailable;
    return Error::Kind::other;
}

class Connection {
public:
    Connection(asio::any_io_executor io, const std::string& url) : io_(std::move(io)) {
        conn_ = libpq().PQconnectdb(url.c_str());
        if (libpq().PQstatus(conn_) != CONNECTION_OK) {
            std::string msg = libpq().PQerrorMessage(conn_);
            libpq().PQfinish(conn_);
            throw Error(Error::Kind::unavailable, "postgres connect: " + msg);
        }
        attach();
    }
    ~Connection() {
        detach();
        libpq().PQfinish(conn_);
    }

    asio::awaitable<Result> query(std::string sql, Params params) {
        if (libpq().PQstatus(conn_) != CONNECTION_OK) {
            detach();
            libpq().PQreset(conn_);
            if (libpq().PQstatus(conn_) != CONNECTION_OK) throw Error(Error::Kind::unavailable, "postgres: connection lost");
            attach();
        }
        std::vector<std::string> texts(params.size());
        std::vector<const char*> values(params.size(), nullptr);
        for (std::size_t i = 0; i < params.size(); ++i) {
            if (const auto* n = std::get_if<std::int64_t>(&params[i])) {
                texts[i] = std::to_string(*n);
                values[i] = texts[i].c_str();
            } else if (const auto* s = std::get_if<std::string>(&params[i])) {
                values[i] = s->c_str();
            }
        }
        std::string text(sql);
        if (!libpq().PQsendQueryParams(conn_, text.c_str(), static_cast<int>(params.size()), nullptr, values.data(), nullptr,
                               nullptr, 0))
            throw Error(Error::Kind::unavailable, std::string("postgres send: ") + libpq().PQerrorMessage(conn_));
        for (;;) {
            int rc = libpq().PQflush(conn_);
            if (rc == 0) break;
            if (rc < 0) throw Error(Error::Kind::unavailable, std::string("postgres flush: ") + libpq().PQerrorMessage(conn_));
            co_await socket_->async_wait(asio::posix::stream_descriptor::wait_write, asio::use_awaitable);
        }
        Result result;
        std::optional<Error> failure;
        for (;;) {
            while (libpq().PQisBusy(conn_)) {
                co_await socket_->async_wait(asio::posix::stream_descriptor::wait_read, asio::use_awaitable);
                if (!libpq().PQconsumeInput(conn_))
                    throw Error(Error::Kind::unavailable, std::string("postgres read: ") + libpq().PQerrorMessage(conn_));
            }
            PGresult* res = libpq().PQgetResult(conn_);
            if (res == nullptr) break;
            collect(res, result, failure);
            libpq().PQclear(res);
        }
        if (failure) throw *failure;
        co_return result;
    }

private:
    void attach() {
        libpq().PQsetnonblocking(conn_, 1);
        socket_.emplace(io_, libpq().PQsocket(conn_));
    }
    void detach() {
        if (socket_) socket_->release();  // libpq owns the descriptor
        socket_.reset();
    }

    static void collect(PGresult* res, Result& result, std::optional<Error>& failure) {
        auto status = libpq().PQresultStatus(res);
        if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) {
            int ncol = libpq().PQnfields(res);
            result.columns->clear();
            for (int c = 0; c < ncol; ++c) result.columns->push_back(libpq().PQfname(res, c));
            int nrow = libpq().PQntuples(res);
            for (int r = 0; r < nrow; ++r) {
                std::vector<std::optional<std::string>> values;
                values.reserve(static_cast<std::size_t>(ncol));
                for (int c = 0; c < ncol; ++c) {
                    if (libpq().PQgetisnull(res, r, c)) values.emplace_back();
                    else values.emplace_back(std::string(libpq().PQgetvalue(res, r, c), static_cast<std::size_t>(libpq().PQgetlength(res, r, c))));
                }
                result.rows.emplace_back(result.columns.get(), std::move(values));
            }
            const char* tuples = libpq().PQcmdTuples(res);
            result.affected = (tuples && *tuples) ? std::stoll(tuples) : 0;
        } else if (!failure) {
            failure.emplace(classify(libpq().PQresultErrorField(res, PG_DIAG_SQLSTATE)),
                            std::string("postgres: ") + libpq().PQresultErrorMessage(res));
        }
    }

    asio::any_io_executor io_;
    PGconn* conn_ = nullptr;
    std::optional<asio::posix::stream_descriptor> socket_;
};

class PgSession final : public Session {
public:
    explicit PgSession(Connection& c) : c_(c) {}
    asio::awaitable<Result> query(std::string sql, Params params) override {
        if (auto write = classify_write(sql)) writes.push_back(std::move(*write));
        co_return co_await c_.query(std::move(sql), std::move(params));
    }
    std::vector<TableWrite> writes;

private:
    Connection& c_;
};

class PostgresDatabase final : public Database {
public:
    PostgresDatabase(asio::any_io_executor io, const std::string& url, int pool_size)
        : free_(io, static_cast<std::size_t>(pool_size)) {
        for (int i = 0; i < pool_size; ++i) {
            connections_.push_back(std::make_unique<Connection>(io, url));
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
            try {
                co_await lease.connection->query("ROLLBACK", params());
            } catch (...) {  // connection broken: the server rolls back on its own
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

private:
    using Channel = asio::experimental::concurrent_channel<void(boost::system::error_code, Connection*)>;
    struct Lease {
        Lease(Connection* c, Channel& ch) : connection(c), channel(ch) {}
        ~Lease() { channel.try_send(boost::system::error_code{}, connection); }
        Connection* connection;
        Channel& channel;
    };
    asio::awaitable<Connection*> acquire() { co_return co_await free_.async_receive(asio::use_awaitable); }

    std::vector<std::unique_ptr<Connection>> connections_;
    Channel free_;
};

}  // namespace

std::unique_ptr<Database> open_postgres(asio::any_io_executor io, const std::string& url, int pool_size) {
    return std::make_unique<PostgresDatabase>(std::move(io), url, pool_size);
}

}  // namespace sb::server::db
