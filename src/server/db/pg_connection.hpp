#pragma once
// One libpq connection driven by Asio: libpq does the protocol, TLS and
// authentication in non-blocking mode; we wait on its socket's readiness
// (never reading from it) on the io_context. It (re)connects on first use
// after a failure, so a restarted database heals.
// Not thread-safe: one coroutine uses it at a time (the pool's lease).
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <optional>

#include "server/db/pg_conninfo.hpp"
#include "server/db/sql.hpp"

struct pg_conn;

namespace sb::server::db::pg {

class Connection {
  public:
    Connection(boost::asio::any_io_executor io, ConnInfo info);
    ~Connection();
    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;

    // One statement. SQL errors throw db::Error and leave the connection
    // usable; a lost connection throws db::Error (unavailable) and the next
    // call connects again.
    boost::asio::awaitable<Result> query(std::string sql, Params params);
    bool connected() const;

  private:
    enum class Readiness { read, write };
    boost::asio::awaitable<void> connect();
    boost::asio::awaitable<Result> run(const std::string& sql, const Params& params);
    // Waits until the socket is ready; false when the deadline passed first.
    boost::asio::awaitable<bool> wait(Readiness readiness, boost::asio::steady_timer* deadline);
    void watch_socket();
    void disconnect();
    [[noreturn]] void lost(const std::string& what);

    boost::asio::any_io_executor io_;
    ConnInfo info_;
    pg_conn* conn_ = nullptr;
    std::optional<boost::asio::posix::stream_descriptor>
        socket_;  // libpq's socket; never closed by Asio
};

}  // namespace sb::server::db::pg
