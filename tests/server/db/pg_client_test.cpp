// The libpq-backed connection against a real PostgreSQL: queries and
// errors, every password method, TLS modes, Unix sockets, several hosts
// (failover past a host that is down or read-only), and recovery after the
// database restarts.
#include <gtest/gtest.h>
#include <sodium.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_future.hpp>

#include "server/db/pg_connection.hpp"
#include "tests/support/local_postgres.hpp"

namespace sb::server::db::pg {
namespace {
namespace asio = boost::asio;

sb::testenv::LocalPostgres& postgres() {
    static sb::testenv::LocalPostgres instance({.tls = true, .password_users = true});
    return instance;
}

std::string tcp_url(const std::string& userinfo, const std::string& query = "sslmode=disable") {
    return "postgresql://" + userinfo + "@127.0.0.1:" + std::to_string(postgres().port()) + "/postgres?" + query;
}

// Runs one query on a fresh connection to `url` (or on `connection`).
Result run_query(asio::io_context& io, Connection& connection, std::string sql, Params params = {}) {
    auto future = asio::co_spawn(io, connection.query(std::move(sql), std::move(params)), asio::use_future);
    io.restart();
    io.run();
    return future.get();
}

Result query_once(const std::string& url, std::string sql) {
    asio::io_context io;
    Connection connection(io.get_executor(), parse_conninfo(url));
    return run_query(io, connection, std::move(sql));
}

// The db::Error a query on a fresh connection to `url` throws.
Error failure_of(const std::string& url, std::string sql = "SELECT 1") {
    try {
        query_once(url, std::move(sql));
    } catch (const Error& e) {
        return e;
    }
    return Error(Error::Kind::other, "no error");
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

class PgClient : public ::testing::Test {
protected:
    static void SetUpTestSuite() { ASSERT_GE(sodium_init(), 0); }
};

TEST_F(PgClient, QueriesWithParametersNullsAndRowCounts) {
    asio::io_context io;
    Connection c(io.get_executor(), parse_conninfo(tcp_url("postgres")));
    auto r = run_query(io, c, "SELECT $1::bigint + 1 AS next, $2::text AS name, $3::text AS missing",
                       Params{std::int64_t{41}, std::string("it's \"quoted\" ü"), nullptr});
    ASSERT_EQ(r.rows.size(), 1u);
    EXPECT_EQ(*r.columns, (std::vector<std::string>{"next", "name", "missing"}));
    EXPECT_EQ(r.one().i64(0), 42);
    EXPECT_EQ(r.one().str(1), "it's \"quoted\" ü");
    EXPECT_TRUE(r.one().is_null(2));

    run_query(io, c, "CREATE TEMP TABLE t (name text PRIMARY KEY)");
    EXPECT_EQ(run_query(io, c, "INSERT INTO t SELECT 'n' || g FROM generate_series(1, 1000) g").affected, 1000);
    auto many = run_query(io, c, "SELECT name FROM t ORDER BY name");
    EXPECT_EQ(many.rows.size(), 1000u);
    EXPECT_EQ(run_query(io, c, "UPDATE t SET name = name || 'x' WHERE name LIKE 'n1%'").affected, 112);
    EXPECT_EQ(run_query(io, c, "DELETE FROM t").affected, 1000);
}

TEST_F(PgClient, SqlErrorsAreClassifiedAndLeaveTheConnectionUsable) {
    asio::io_context io;
    Connection c(io.get_executor(), parse_conninfo(tcp_url("postgres")));
    run_query(io, c, "CREATE TEMP TABLE u (name text PRIMARY KEY)");
    run_query(io, c, "INSERT INTO u VALUES ($1)", Params{std::string("a")});
    try {
        run_query(io, c, "INSERT INTO u VALUES ($1)", Params{std::string("a")});
        FAIL() << "duplicate accepted";
    } catch (const Error& e) {
        EXPECT_EQ(e.kind(), Error::Kind::unique_violation);
        EXPECT_TRUE(contains(e.what(), "SQLSTATE 23505")) << e.what();
    }
    try {
        run_query(io, c, "SELEC 1");
        FAIL() << "syntax error accepted";
    } catch (const Error& e) {
        EXPECT_EQ(e.kind(), Error::Kind::other);
        EXPECT_TRUE(contains(e.what(), "syntax error")) << e.what();
    }
    EXPECT_TRUE(c.connected());
    EXPECT_EQ(run_query(io, c, "SELECT count(*) FROM u").one().i64(0), 1);
}

TEST_F(PgClient, EveryPasswordMethodLogsIn) {
    for (std::string method : {"scram-sha-256", "md5", "password"}) {
        SCOPED_TRACE(method);
        auto user = sb::testenv::LocalPostgres::password_user(method);
        auto r = query_once(tcp_url(user + ":" + sb::testenv::LocalPostgres::password_of(user)), "SELECT current_user");
        EXPECT_EQ(r.one().str(0), user);
    }
}

TEST_F(PgClient, WrongOrMissingPasswordsAreClearErrors) {
    auto wrong = failure_of(tcp_url("sb_scram:not-the-password"));
    EXPECT_EQ(wrong.kind(), Error::Kind::unavailable);
    EXPECT_TRUE(contains(wrong.what(), "password authentication failed")) << wrong.what();
    EXPECT_FALSE(contains(wrong.what(), "not-the-password")) << wrong.what();
    auto missing = failure_of(tcp_url("sb_md5"));
    EXPECT_TRUE(contains(missing.what(), "no password supplied")) << missing.what();
}

TEST_F(PgClient, TlsModes) {
    const std::string is_tls = "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()";
    EXPECT_EQ(query_once(tcp_url("postgres", "sslmode=require"), is_tls).one().str(0), "t");
    EXPECT_EQ(query_once(tcp_url("postgres", "sslmode=prefer"), is_tls).one().str(0), "t");
    EXPECT_EQ(query_once(tcp_url("postgres", "sslmode=disable"), is_tls).one().str(0), "f");
    // SCRAM over TLS, and a role the server refuses without TLS.
    EXPECT_EQ(query_once(tcp_url("sb_scram:sb_scram-secret", "sslmode=require"), is_tls).one().str(0), "t");
    EXPECT_EQ(query_once(tcp_url("sb_tls_only", "sslmode=prefer"), "SELECT current_user").one().str(0), "sb_tls_only");
    auto refused = failure_of(tcp_url("sb_tls_only", "sslmode=disable"));
    EXPECT_TRUE(contains(refused.what(), "rejects connection")) << refused.what();

    // verify-full checks the chain and the host name.
    auto verified = "postgresql://postgres@localhost:" + std::to_string(postgres().port()) +
                    "/postgres?sslmode=verify-full&sslrootcert=" + postgres().ca_file();
    EXPECT_EQ(query_once(verified, is_tls).one().str(0), "t");
    // A CA bundle that did not sign the server's certificate (the system's;
    // sslrootcert=system itself needs libpq 16, bookworm has 15).
    auto untrusted = failure_of("postgresql://postgres@localhost:" + std::to_string(postgres().port()) +
                                "/postgres?sslmode=verify-ca&sslrootcert=/etc/ssl/certs/ca-certificates.crt");
    EXPECT_EQ(untrusted.kind(), Error::Kind::unavailable);
    EXPECT_TRUE(contains(untrusted.what(), "certificate verify failed")) << untrusted.what();
    auto no_ca = failure_of("postgresql://postgres@localhost:" + std::to_string(postgres().port()) +
                            "/postgres?sslmode=verify-full&sslrootcert=/nonexistent/ca.pem");
    EXPECT_TRUE(contains(no_ca.what(), "/nonexistent/ca.pem")) << no_ca.what();
}

TEST_F(PgClient, UnixSocket) {
    auto url = "postgresql://postgres@/postgres?host=" + postgres().socket_dir() + "&port=" + std::to_string(postgres().port());
    EXPECT_EQ(query_once(url, "SELECT 1").one().i64(0), 1);
}

TEST_F(PgClient, UnreachableAndSilentServersAreClearErrors) {
    auto refused = failure_of("postgresql://postgres@127.0.0.1:" + std::to_string(sb::testenv::free_port()) + "/postgres");
    EXPECT_EQ(refused.kind(), Error::Kind::unavailable);
    EXPECT_TRUE(contains(refused.what(), "cannot connect")) << refused.what();

    // Accepts connections and never answers: the connect timeout ends it.
    asio::io_context silent_io;
    asio::ip::tcp::acceptor silent(silent_io, {asio::ip::make_address("127.0.0.1"), 0});
    auto timed_out = failure_of("postgresql://postgres@127.0.0.1:" + std::to_string(silent.local_endpoint().port()) +
                                "/postgres?connect_timeout=1");
    EXPECT_TRUE(contains(timed_out.what(), "timed out")) << timed_out.what();
}

TEST_F(PgClient, SecondHostServesWhenTheFirstIsDown) {
    auto url = "postgresql://postgres@127.0.0.1:" + std::to_string(sb::testenv::free_port()) + ",127.0.0.1:" +
               std::to_string(postgres().port()) + "/postgres?target_session_attrs=read-write&sslmode=disable";
    auto r = query_once(url, "SELECT inet_server_port(), pg_is_in_recovery()");
    EXPECT_EQ(r.one().i64(0), postgres().port());
    EXPECT_EQ(r.one().str(1), "f");
}

TEST_F(PgClient, ReadWriteSessionSkipsAHotStandby) {
    sb::testenv::LocalPostgres primary;
    sb::testenv::LocalPostgres standby({.standby_of_port = primary.port()});
    EXPECT_EQ(query_once(standby.url(), "SELECT pg_is_in_recovery()").one().str(0), "t");
    auto url = "postgresql://postgres@127.0.0.1:" + std::to_string(standby.port()) + ",127.0.0.1:" +
               std::to_string(primary.port()) + "/postgres?target_session_attrs=read-write";
    auto r = query_once(url, "SELECT inet_server_port(), pg_is_in_recovery()");
    EXPECT_EQ(r.one().i64(0), primary.port());
    EXPECT_EQ(r.one().str(1), "f");
    // Only the standby: no read-write server, a clear error.
    auto only_standby = failure_of(standby.url() + "?target_session_attrs=read-write");
    EXPECT_EQ(only_standby.kind(), Error::Kind::unavailable);
    EXPECT_TRUE(contains(only_standby.what(), "read-only")) << only_standby.what();
}

TEST_F(PgClient, ReconnectsAfterTheDatabaseRestarts) {
    sb::testenv::LocalPostgres own;
    asio::io_context io;
    Connection c(io.get_executor(), parse_conninfo(own.url()));
    EXPECT_EQ(run_query(io, c, "SELECT 1").one().i64(0), 1);
    own.kill_hard();
    own.start();
    // The broken connection fails once, clearly; the next query reconnects.
    try {
        run_query(io, c, "SELECT 2");
    } catch (const Error& e) {
        EXPECT_EQ(e.kind(), Error::Kind::unavailable);
        EXPECT_FALSE(c.connected());
    }
    EXPECT_EQ(run_query(io, c, "SELECT 3").one().i64(0), 3);
}

}  // namespace
}  // namespace sb::server::db::pg
