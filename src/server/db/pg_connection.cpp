#include "server/db/pg_connection.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "server/db/pg_libpq.hpp"
#include "server/db/pg_result.hpp"

namespace sb::server::db::pg {
namespace asio = boost::asio;
using namespace asio::experimental::awaitable_operators;

namespace {

std::string error_text(const PGconn* conn) {
    std::string text = libpq().PQerrorMessage(conn);
    while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
    return text;
}

struct ResultDeleter {
    void operator()(PGresult* r) const { libpq().PQclear(r); }
};
using ResultPtr = std::unique_ptr<PGresult, ResultDeleter>;

}  // namespace

Connection::Connection(asio::any_io_executor io, ConnInfo info)
    : io_(std::move(io)), info_(std::move(info)) {}

Connection::~Connection() {
    disconnect();
}

bool Connection::connected() const {
    return conn_ != nullptr && libpq().PQstatus(conn_) == CONNECTION_OK;
}

void Connection::disconnect() {
    if (socket_) {
        socket_->release();  // libpq owns the descriptor and closes it
        socket_.reset();
    }
    if (conn_) libpq().PQfinish(conn_);
    conn_ = nullptr;
}

void Connection::lost(const std::string& what) {
    std::string message = "postgres " + info_.description + ": " + redact(what, info_.secrets);
    disconnect();
    throw Error(Error::Kind::unavailable, message);
}

// A fresh registration per wait while connecting: libpq may close its socket
// and open another with the same number (next host, TLS refused), which a
// kept registration would not notice.
void Connection::watch_socket() {
    if (socket_) {
        socket_->release();
        socket_.reset();
    }
    int fd = libpq().PQsocket(conn_);
    if (fd < 0) lost("no socket: " + error_text(conn_));
    socket_.emplace(io_, fd);
}

asio::awaitable<bool> Connection::wait(Readiness readiness, asio::steady_timer* deadline) {
    auto type = readiness == Readiness::read ? asio::posix::descriptor_base::wait_read
                                             : asio::posix::descriptor_base::wait_write;
    if (deadline == nullptr) {
        auto [ec] = co_await socket_->async_wait(type, asio::as_tuple(asio::use_awaitable));
        if (ec) lost("waiting for the socket: " + ec.message());
        co_return true;
    }
    auto outcome = co_await (socket_->async_wait(type, asio::as_tuple(asio::use_awaitable)) ||
                             deadline->async_wait(asio::as_tuple(asio::use_awaitable)));
    if (outcome.index() == 1) co_return false;
    if (auto [ec] = std::get<0>(outcome); ec) lost("waiting for the socket: " + ec.message());
    co_return true;
}

asio::awaitable<void> Connection::connect() {
    // The URL as libpq's dbname with expand_dbname: every parameter it
    // supports, and PG* variables for what it leaves out. Keywords before it
    // are defaults the URL may override.
    const char* keywords[] = {"client_encoding", "fallback_application_name", "dbname", nullptr};
    const char* values[] = {"UTF8", "shapeblock-server", info_.url.c_str(), nullptr};
    conn_ = libpq().PQconnectStartParams(keywords, values, 1);
    if (conn_ == nullptr) lost("cannot connect: out of memory");
    if (libpq().PQstatus(conn_) == CONNECTION_BAD) lost("cannot connect: " + error_text(conn_));

    std::optional<asio::steady_timer> deadline;
    if (info_.connect_timeout.count() > 0) deadline.emplace(io_, info_.connect_timeout);
    auto status = PGRES_POLLING_WRITING;
    while (status != PGRES_POLLING_OK) {
        if (status == PGRES_POLLING_FAILED) lost("cannot connect: " + error_text(conn_));
        watch_socket();
        bool ready =
            co_await wait(status == PGRES_POLLING_READING ? Readiness::read : Readiness::write,
                          deadline ? &*deadline : nullptr);
        if (!ready)
            lost("connect timed out after " + std::to_string(info_.connect_timeout.count()) + " s");
        status = libpq().PQconnectPoll(conn_);
    }
    if (libpq().PQsetnonblocking(conn_, 1) != 0)
        lost("cannot switch to non-blocking mode: " + error_text(conn_));
    watch_socket();  // connected: the socket stays the same until disconnect()
}

asio::awaitable<Result> Connection::query(std::string sql, Params params) {
    if (!connected()) {
        disconnect();
        co_await connect();
    }
    co_return co_await run(sql, params);
}

asio::awaitable<Result> Connection::run(const std::string& sql, const Params& params) {
    TextParams text(params);
    if (!libpq().PQsendQueryParams(conn_, sql.c_str(), text.count(), nullptr, text.values(),
                                   nullptr, nullptr, 0))
        lost("connection lost: " + error_text(conn_));
    for (int pending = libpq().PQflush(conn_); pending != 0; pending = libpq().PQflush(conn_)) {
        if (pending < 0) lost("connection lost: " + error_text(conn_));
        co_await wait(Readiness::write, nullptr);
        if (!libpq().PQconsumeInput(conn_)) lost("connection lost: " + error_text(conn_));
    }

    // Input is always consumed before waiting: readiness that arrived while
    // no one waited is not reported again.
    Result out;
    std::optional<Error> failure;
    for (;;) {
        while (libpq().PQisBusy(conn_)) {
            if (!libpq().PQconsumeInput(conn_)) lost("connection lost: " + error_text(conn_));
            if (libpq().PQisBusy(conn_)) co_await wait(Readiness::read, nullptr);
        }
        ResultPtr result(libpq().PQgetResult(conn_));
        if (!result) break;
        switch (libpq().PQresultStatus(result.get())) {
            case PGRES_TUPLES_OK:
            case PGRES_COMMAND_OK:
            case PGRES_EMPTY_QUERY:
                out = to_result(result.get());
                break;
            default:
                if (libpq().PQstatus(conn_) == CONNECTION_BAD)
                    lost("connection lost: " + error_text(conn_));
                if (!failure) failure.emplace(sql_error(result.get()));
                break;
        }
    }
    if (libpq().PQstatus(conn_) == CONNECTION_BAD) lost("connection lost: " + error_text(conn_));
    if (failure) throw *failure;
    co_return out;
}

}  // namespace sb::server::db::pg
