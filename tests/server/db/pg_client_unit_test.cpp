// What the libpq wrapper does itself: the URL check and its description,
// secrets kept out of messages, parameters as C strings, results and errors
// converted to db:: values. The protocol, TLS and authentication are libpq's
// (pg_client_test runs them against a real PostgreSQL).
#include <gtest/gtest.h>
#include <libpq-fe.h>
#include <stdlib.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

#include "server/db/pg_connection.hpp"
#include "server/db/pg_conninfo.hpp"
#include "server/db/pg_result.hpp"
#include "tests/support/scratch.hpp"

namespace sb::server::db::pg {
namespace {
namespace asio = boost::asio;

std::string parse_error(const std::string& url) {
    try {
        parse_conninfo(url);
    } catch (const std::invalid_argument& e) {
        return e.what();
    }
    return "no error";
}

bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

TEST(PgConnInfo, UrlGoesToLibpqUnchangedAndIsDescribedWithoutPassword) {
    const std::string url =
        "postgresql://sb%40app:p%3Ass@db.example.com:6543/shape%2Dblock?sslmode=verify-full&"
        "sslrootcert=/etc/ca.pem&application_name=sb&connect_timeout=3";
    auto info = parse_conninfo(url);
    EXPECT_EQ(info.url, url);
    EXPECT_EQ(info.description, "db.example.com:6543/shape-block");
    EXPECT_EQ(info.connect_timeout, std::chrono::seconds(3));
    EXPECT_FALSE(contains(info.description, "p:ss"));
}

TEST(PgConnInfo, SeveralHostsKeyValueFormAndLibpqParametersAreAccepted) {
    auto failover =
        parse_conninfo("postgresql://u@h1:5432,h2:5433/app?target_session_attrs=read-write");
    EXPECT_EQ(failover.description, "h1,h2:5432,5433/app");
    auto key_value = parse_conninfo("host=/run/pg dbname=app user=bob sslmode=disable");
    EXPECT_EQ(key_value.description, "/run/pg/app");
    EXPECT_NO_THROW(parse_conninfo(
        "postgresql://u@h/d?sslcert=/c.pem&sslkey=/k.pem&gssencmode=prefer&krbsrvname=pg"));
    EXPECT_EQ(parse_conninfo("postgresql:///app").description, "(default host)/app");
}

TEST(PgConnInfo, ErrorsNameThePartAndNeverThePassword) {
    EXPECT_TRUE(contains(parse_error("postgresql://u@h/d?frobnicate=1"), "frobnicate"));
    EXPECT_TRUE(
        contains(parse_error("postgresql://u@h/d?connect_timeout=soon"), "connect_timeout"));
    EXPECT_TRUE(contains(parse_error("host=db user"), "user"));
    auto bad_password = parse_error("postgresql://u:secret%zz@h/d");
    EXPECT_TRUE(contains(bad_password, "percent-encoded")) << bad_password;
    EXPECT_FALSE(contains(bad_password, "secret")) << bad_password;
    auto bad_query_password = parse_error("postgresql://u@h/d?password=hidden%zz");
    EXPECT_FALSE(contains(bad_query_password, "hidden")) << bad_query_password;
}

TEST(PgConnInfo, ConnectTimeoutFromUrlEnvironmentOrTenSeconds) {
    EXPECT_EQ(parse_conninfo("postgresql://u@h/d").connect_timeout, std::chrono::seconds(10));
    EXPECT_EQ(parse_conninfo("postgresql://u@h/d?connect_timeout=0").connect_timeout,
              std::chrono::seconds(0));
    ::setenv("PGCONNECT_TIMEOUT", "7", 1);
    EXPECT_EQ(parse_conninfo("postgresql://u@h/d").connect_timeout, std::chrono::seconds(7));
    EXPECT_EQ(parse_conninfo("postgresql://u@h/d?connect_timeout=2").connect_timeout,
              std::chrono::seconds(2));
    ::unsetenv("PGCONNECT_TIMEOUT");
}

TEST(PgConnInfo, PasswordsAsWrittenAndDecodedAreSecrets) {
    auto info = parse_conninfo("postgresql://u:p%40ss@h/d?sslpassword=keypass");
    auto has = [&](const std::string& s) {
        return std::find(info.secrets.begin(), info.secrets.end(), s) != info.secrets.end();
    };
    EXPECT_TRUE(has("p%40ss"));
    EXPECT_TRUE(has("p@ss"));
    EXPECT_TRUE(has("keypass"));
    EXPECT_TRUE(parse_conninfo("host=h password=kv-secret").secrets.size() >= 1);
}

TEST(PgConnInfo, RedactReplacesEveryOccurrence) {
    EXPECT_EQ(redact("a hunter2 b hunter2", {"hunter2", ""}), "a *** b ***");
    EXPECT_EQ(redact("nothing here", {"hunter2"}), "nothing here");
    EXPECT_EQ(redact("aaaa", {"a"}), "************");
}

TEST(PgParams, IntegersAsDecimalTextAndNullAsNullPointer) {
    TextParams text(params(std::int64_t{-42}, std::string("it's ü"), nullptr, std::string()));
    ASSERT_EQ(text.count(), 4);
    EXPECT_STREQ(text.values()[0], "-42");
    EXPECT_STREQ(text.values()[1], "it's ü");
    EXPECT_EQ(text.values()[2], nullptr);
    EXPECT_STREQ(text.values()[3], "");
}

TEST(PgParams, ManyParametersStayValid) {
    Params many;
    for (int i = 0; i < 1000; ++i)
        many.emplace_back(std::string(100, static_cast<char>('a' + i % 26)));
    TextParams text(many);
    EXPECT_EQ(std::string(text.values()[999]), std::string(100, static_cast<char>('a' + 999 % 26)));
}

TEST(PgParams, NulBytesAreRefused) {
    using namespace std::string_literals;
    try {
        TextParams text(params(std::int64_t{1}, "a\0b"s));
        FAIL() << "NUL byte accepted";
    } catch (const Error& e) {
        EXPECT_TRUE(contains(e.what(), "parameter 2")) << e.what();
    }
}

// A result as libpq would hand it over: columns, then values (nullopt is NULL).
PGresult* make_result(const std::vector<std::string>& columns,
                      const std::vector<std::vector<std::optional<std::string>>>& rows) {
    PGresult* r = PQmakeEmptyPGresult(nullptr, PGRES_TUPLES_OK);
    std::vector<PGresAttDesc> attributes(columns.size());
    for (std::size_t c = 0; c < columns.size(); ++c) {
        attributes[c] = {};
        attributes[c].name = const_cast<char*>(columns[c].c_str());
    }
    PQsetResultAttrs(r, static_cast<int>(columns.size()), attributes.data());
    for (std::size_t row = 0; row < rows.size(); ++row)
        for (std::size_t c = 0; c < columns.size(); ++c) {
            const auto& v = rows[row][c];
            PQsetvalue(r, static_cast<int>(row), static_cast<int>(c),
                       v ? const_cast<char*>(v->data()) : nullptr,
                       v ? static_cast<int>(v->size()) : -1);
        }
    return r;
}

TEST(PgResult, ColumnsRowsAndNullKeptApartFromEmpty) {
    PGresult* r = make_result({"id", "name"}, {{"1", "a"}, {"2", std::nullopt}, {"3", ""}});
    auto result = to_result(r);
    PQclear(r);
    EXPECT_EQ(*result.columns, (std::vector<std::string>{"id", "name"}));
    ASSERT_EQ(result.rows.size(), 3u);
    EXPECT_EQ(result.rows[0].i64(0), 1);
    EXPECT_EQ(result.rows[0].str(1), "a");
    EXPECT_TRUE(result.rows[1].is_null(1));
    EXPECT_FALSE(result.rows[2].is_null(1));
    EXPECT_EQ(result.rows[2].str(1), "");
    EXPECT_EQ(result.affected, 0);
}

TEST(PgResult, ValuesWithBinaryBytesKeepTheirLength) {
    using namespace std::string_literals;
    PGresult* r = make_result({"v"}, {{"x\xff\x01y"s}});
    auto result = to_result(r);
    PQclear(r);
    EXPECT_EQ(result.one().str(0), "x\xff\x01y"s);
}

TEST(PgResult, SqlStatesAreClassified) {
    EXPECT_EQ(classify_sqlstate("23505"), Error::Kind::unique_violation);
    EXPECT_EQ(classify_sqlstate("23503"), Error::Kind::foreign_key_violation);
    EXPECT_EQ(classify_sqlstate("08006"), Error::Kind::unavailable);
    EXPECT_EQ(classify_sqlstate("57P01"), Error::Kind::unavailable);
    EXPECT_EQ(classify_sqlstate("53300"), Error::Kind::unavailable);
    EXPECT_EQ(classify_sqlstate("42601"), Error::Kind::other);
    EXPECT_EQ(classify_sqlstate(""), Error::Kind::other);
}

TEST(PgResult, ErrorTextHasSeverityStateAndDetail) {
    auto e = sql_error("ERROR", "23505", "duplicate key value", "Key (name)=(a) already exists.");
    EXPECT_EQ(e.kind(), Error::Kind::unique_violation);
    EXPECT_STREQ(
        e.what(),
        "postgres: ERROR: duplicate key value (SQLSTATE 23505): Key (name)=(a) already exists.");
    EXPECT_STREQ(sql_error("", "", "server closed the connection", "").what(),
                 "postgres: ERROR: server closed the connection");
}

Error connect_failure(const std::string& url) {
    asio::io_context io;
    Connection connection(io.get_executor(), parse_conninfo(url));
    auto future = asio::co_spawn(io, connection.query("SELECT 1", {}), asio::use_future);
    io.run();
    try {
        future.get();
    } catch (const Error& e) {
        return e;
    }
    return Error(Error::Kind::other, "no error");
}

TEST(PgConnection, ConnectErrorsNameTheDatabaseAndNeverThePassword) {
    auto port = std::to_string(sb::testenv::free_port());
    auto e = connect_failure("postgresql://u:hunter2-secret@127.0.0.1:" + port + "/app");
    EXPECT_EQ(e.kind(), Error::Kind::unavailable);
    EXPECT_TRUE(contains(e.what(), "127.0.0.1:" + port + "/app")) << e.what();
    EXPECT_TRUE(contains(e.what(), "cannot connect")) << e.what();
    EXPECT_FALSE(contains(e.what(), "hunter2")) << e.what();
}

TEST(PgConnection, MissingUnixSocketIsAClearError) {
    auto e = connect_failure("postgresql://u@/app?host=/nonexistent-sb-socket-dir");
    EXPECT_EQ(e.kind(), Error::Kind::unavailable);
    EXPECT_TRUE(contains(e.what(), "/nonexistent-sb-socket-dir")) << e.what();
}

}  // namespace
}  // namespace sb::server::db::pg
