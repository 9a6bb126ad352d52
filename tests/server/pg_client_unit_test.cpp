// The native PostgreSQL client's pure parts: message encoding and decoding,
// SCRAM-SHA-256 against RFC 7677's example, MD5 passwords, connection URLs.
#include <gtest/gtest.h>
#include <sodium.h>

#include "server/db/pg_auth.hpp"
#include "server/db/pg_protocol.hpp"
#include "server/db/pg_url.hpp"

namespace sb::server::db::pg {
namespace {

using namespace std::string_literals;

const bool sodium_ready = sodium_init() >= 0;

std::string i32(std::int32_t v) {
    auto u = static_cast<std::uint32_t>(v);
    return {static_cast<char>(u >> 24), static_cast<char>(u >> 16), static_cast<char>(u >> 8), static_cast<char>(u)};
}
std::string i16(std::int16_t v) { return {static_cast<char>(static_cast<std::uint16_t>(v) >> 8), static_cast<char>(v)}; }
std::string message(char type, const std::string& body) { return type + i32(static_cast<std::int32_t>(body.size() + 4)) + body; }

TEST(PgProtocol, StartupMessageIsLengthPrefixedVersion3WithPairs) {
    auto m = startup_message({{"user", "bob"}, {"database", "db"}});
    std::string body = i32(196608) + "user\0bob\0database\0db\0\0"s;
    EXPECT_EQ(m, i32(static_cast<std::int32_t>(body.size() + 4)) + body);
}

TEST(PgProtocol, ExtendedQueryIsParseBindDescribeExecuteSync) {
    auto m = extended_query("SELECT $1, $2", {std::optional<std::string>("42"), std::nullopt});
    std::string expected = message('P', "\0SELECT $1, $2\0"s + i16(0)) +
                           message('B', "\0\0"s + i16(0) + i16(2) + i32(2) + "42" + i32(-1) + i16(0)) +
                           message('D', "P\0"s) + message('E', "\0"s + i32(0)) + message('S', "");
    EXPECT_EQ(m, expected);
}

TEST(PgProtocol, StringsWithNulBytesAreRefused) {
    EXPECT_THROW(extended_query("SELECT 1\0; DROP TABLE x"s, {}), std::invalid_argument);
}

TEST(PgProtocol, NextMessageWaitsForTheWholeMessage) {
    std::string wire = message('C', "INSERT 0 3\0"s) + message('Z', "I");
    std::size_t needed = 0;
    EXPECT_FALSE(next_message(std::string_view(wire).substr(0, 3), needed));
    EXPECT_EQ(needed, 5u);
    EXPECT_FALSE(next_message(std::string_view(wire).substr(0, 8), needed));
    EXPECT_EQ(needed, 16u);
    auto m = next_message(wire, needed);
    ASSERT_TRUE(m);
    EXPECT_EQ(m->type, 'C');
    EXPECT_EQ(affected_rows(Reader(m->body).cstring()), 3);
    auto z = next_message(std::string_view(wire).substr(needed), needed);
    ASSERT_TRUE(z);
    EXPECT_EQ(z->body, "I");
}

TEST(PgProtocol, InvalidLengthsAreProtocolErrors) {
    std::size_t needed = 0;
    EXPECT_THROW(next_message("Z" + i32(3), needed), ProtocolError);
    EXPECT_THROW(next_message("D" + i32(0x7fffffff), needed), ProtocolError);
    EXPECT_THROW(data_row(i16(2) + i32(5) + "ab"), ProtocolError);  // shorter than it says
    EXPECT_THROW(row_description(i16(1) + "name-without-terminator"), ProtocolError);
}

TEST(PgProtocol, DataRowKeepsNullApartFromEmpty) {
    auto row = data_row(i16(3) + i32(2) + "hi" + i32(-1) + i32(0));
    ASSERT_EQ(row.size(), 3u);
    EXPECT_EQ(row[0], "hi");
    EXPECT_FALSE(row[1].has_value());
    EXPECT_EQ(row[2], "");
}

TEST(PgProtocol, RowDescriptionGivesColumnNames) {
    std::string field_rest(18, '\0');
    auto names = row_description(i16(2) + "id\0"s + field_rest + "name\0"s + field_rest);
    EXPECT_EQ(names, (std::vector<std::string>{"id", "name"}));
}

TEST(PgProtocol, AffectedRowsFromCommandTags) {
    EXPECT_EQ(affected_rows("INSERT 0 1"), 1);
    EXPECT_EQ(affected_rows("UPDATE 12"), 12);
    EXPECT_EQ(affected_rows("DELETE 0"), 0);
    EXPECT_EQ(affected_rows("SELECT 5"), 5);
    EXPECT_EQ(affected_rows("BEGIN"), 0);
    EXPECT_EQ(affected_rows("CREATE TABLE"), 0);
}

TEST(PgProtocol, ErrorFieldsAndDescription) {
    auto fields = error_fields("SERROR\0C23505\0Mduplicate key value\0DKey (name)=(a) already exists.\0\0"s);
    EXPECT_EQ(fields['C'], "23505");
    EXPECT_EQ(describe_error(fields), "ERROR: duplicate key value (SQLSTATE 23505): Key (name)=(a) already exists.");
}

TEST(PgScram, Rfc7677Example) {
    ScramSha256 scram("pencil", "user", "rOprNGfwEbeRWgbNEkqO");
    EXPECT_EQ(scram.client_first(), "n,,n=user,r=rOprNGfwEbeRWgbNEkqO");
    auto final_message =
        scram.client_final("r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096");
    EXPECT_EQ(final_message,
              "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=");
    EXPECT_NO_THROW(scram.verify_server_final("v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4="));
    EXPECT_THROW(scram.verify_server_final("v=AAAATRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4="), std::runtime_error);
    EXPECT_THROW(scram.verify_server_final("e=invalid-proof"), std::runtime_error);
}

TEST(PgScram, RefusesForeignNoncesAndAbsurdIterationCounts) {
    ScramSha256 scram("pencil", "", "clientnonce");
    EXPECT_THROW(scram.client_final("r=othernonce123,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096"), std::runtime_error);
    EXPECT_THROW(scram.client_final("r=clientnonce,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096"), std::runtime_error);
    EXPECT_THROW(scram.client_final("r=clientnonceXY,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=99999999"), std::runtime_error);
    EXPECT_THROW(scram.client_final("r=clientnonceXY,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=0"), std::runtime_error);
    EXPECT_THROW(scram.client_final("r=clientnonceXY,s=***,i=4096"), std::runtime_error);
    EXPECT_THROW(scram.client_final("r=clientnonceXY,i=4096"), std::runtime_error);
    EXPECT_THROW(scram.verify_server_final("v=x"), std::runtime_error);  // before any exchange
}

TEST(PgScram, RandomNoncesDiffer) {
    ASSERT_TRUE(sodium_ready);
    EXPECT_NE(ScramSha256("pw").client_first(), ScramSha256("pw").client_first());
}

TEST(PgAuth, Md5PasswordMatchesPostgres) {
    // python3: "md5" + md5(md5(b"s3cretalice").hexdigest().encode() + b"\x01\x02\x03\x04").hexdigest()
    EXPECT_EQ(md5_password("alice", "s3cret", "\x01\x02\x03\x04"), "md5b79948bbeb35dee03ab8fe15a839030b");
}

TEST(PgUrl, FullUrl) {
    auto o = parse_url("postgresql://sb%40app:p%3Ass@db.example.com:6543/shape%2Dblock?sslmode=verify-full&"
                       "sslrootcert=/etc/ca.pem&application_name=sb&connect_timeout=3");
    EXPECT_EQ(o.user, "sb@app");
    EXPECT_EQ(o.password, "p:ss");
    EXPECT_EQ(o.host, "db.example.com");
    EXPECT_EQ(o.port, 6543);
    EXPECT_EQ(o.database, "shape-block");
    EXPECT_EQ(o.ssl_mode, SslMode::verify_full);
    EXPECT_EQ(o.ssl_root_cert, "/etc/ca.pem");
    EXPECT_EQ(o.application_name, "sb");
    EXPECT_EQ(o.connect_timeout, std::chrono::seconds(3));
    EXPECT_FALSE(o.unix_socket());
    EXPECT_EQ(o.describe(), "db.example.com:6543/shape-block");
}

TEST(PgUrl, DefaultsAndShortForms) {
    auto o = parse_url("postgres://bob@[::1]/");
    EXPECT_EQ(o.host, "::1");
    EXPECT_EQ(o.port, 5432);
    EXPECT_EQ(o.database, "bob");
    EXPECT_EQ(o.ssl_mode, SslMode::prefer);
    auto local = parse_url("postgresql://bob@/app?host=/run/pg");
    EXPECT_TRUE(local.unix_socket());
    EXPECT_EQ(local.unix_socket_path(), "/run/pg/.s.PGSQL.5432");
    auto default_socket = parse_url("postgresql:///app?user=bob");
    EXPECT_EQ(default_socket.unix_socket_path(), "/var/run/postgresql/.s.PGSQL.5432");
    EXPECT_EQ(default_socket.database, "app");
}

TEST(PgUrl, ErrorsNameThePartAndNeverThePassword) {
    auto message = [](const std::string& url) {
        try {
            parse_url(url);
        } catch (const std::invalid_argument& e) {
            return std::string(e.what());
        }
        return std::string("no error");
    };
    EXPECT_NE(message("host=db user=x").find("postgresql://"), std::string::npos);
    EXPECT_NE(message("postgresql://u@h:99999/d").find("port"), std::string::npos);
    EXPECT_NE(message("postgresql://u@h/d?sslmode=maybe").find("sslmode"), std::string::npos);
    EXPECT_NE(message("postgresql://u@h/d?frobnicate=1").find("frobnicate"), std::string::npos);
    EXPECT_NE(message("postgresql://u@h/d?connect_timeout=0").find("connect_timeout"), std::string::npos);
    EXPECT_NE(message("postgresql://u@h1,h2/d").find("several hosts"), std::string::npos);
    EXPECT_NE(message("postgresql://u@/d?host=/tmp&sslmode=require").find("Unix socket"), std::string::npos);
    auto bad_password = message("postgresql://u:secret%zz@h/d");
    EXPECT_NE(bad_password.find("password"), std::string::npos);
    EXPECT_EQ(bad_password.find("secret"), std::string::npos);
}

}  // namespace
}  // namespace sb::server::db::pg
