#pragma once
// One connection to PostgreSQL, spoken natively over Asio: TCP or a Unix
// socket, TLS as the URL's sslmode says, SCRAM-SHA-256 / MD5 / cleartext
// passwords, and the extended query protocol with text parameters. It
// (re)connects on first use after a failure, so a restarted database heals.
// Not thread-safe: one coroutine uses it at a time (the pool's lease).
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include <memory>

#include "server/db/pg_protocol.hpp"
#include "server/db/pg_url.hpp"
#include "server/db/sql.hpp"

namespace sb::server::db::pg {

class Transport;

class Connection {
public:
    Connection(boost::asio::any_io_executor io, ConnectOptions options);
    ~Connection();
    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;

    // One statement. SQL errors throw db::Error and leave the connection
    // usable; a lost connection throws db::Error (unavailable) and the next
    // call connects again.
    boost::asio::awaitable<Result> query(std::string sql, Params params);
    bool connected() const { return transport_ != nullptr; }

private:
    boost::asio::awaitable<void> connect();
    boost::asio::awaitable<std::exception_ptr> handshake();  // transport, then authentication
    boost::asio::awaitable<void> open_transport();
    boost::asio::awaitable<void> authenticate();
    boost::asio::awaitable<Result> run(std::string_view sql, const Params& params);
    boost::asio::awaitable<Message> read_message();
    void disconnect();
    void release_buffer();

    boost::asio::any_io_executor io_;
    ConnectOptions options_;
    std::unique_ptr<Transport> transport_;
    std::string input_;
    std::size_t consumed_ = 0;
};

}  // namespace sb::server::db::pg
