// Fast tests of the pieces without network or database server: body decoding,
// names, licences and the vendor's licence tool, sealing, the failure
// limiter, the event hub and the SQLite connection's statement handling.
#include <gtest/gtest.h>
#include <sodium.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <filesystem>
#include <fstream>
#include <unistd.h>

#include "server/core/api_error.hpp"
#include "server/core/crypto.hpp"
#include "server/core/events.hpp"
#include "server/core/json_input.hpp"
#include "server/core/licence.hpp"
#include "server/core/licence_tool.hpp"
#include "server/core/rate_limiter.hpp"
#include "server/db/sqlite_connection.hpp"
#include "server/http/message.hpp"

namespace sb::server {
namespace {

std::string field_of(const std::function<void()>& f) {
    try {
        f();
    } catch (const ApiError& e) {
        return e.code() + ":" + e.field();
    }
    return "no error";
}

TEST(BodyReader, NamesTheOffendingField) {
    EXPECT_EQ(field_of([] { BodyReader::parse("{not json"); }), "invalid_json:");
    EXPECT_EQ(field_of([] { BodyReader::parse("[1,2]"); }), "invalid_json:");
    EXPECT_EQ(field_of([] { BodyReader::parse(R"({"name": 5})").required_string("name"); }), "invalid_field:name");
    EXPECT_EQ(field_of([] { BodyReader::parse("{}").required_string("name"); }), "invalid_field:name");
    EXPECT_EQ(field_of([] {
                  auto b = BodyReader::parse(R"({"name": "a", "extra": 1})");
                  b.required_string("name");
                  b.finish();
              }),
              "unknown_field:extra");
    EXPECT_EQ(field_of([] {
                  auto b = BodyReader::parse(R"({"git": {"url": 3}})");
                  b.object("git")->string("url");
              }),
              "invalid_field:git.url");
    EXPECT_EQ(field_of([] { BodyReader::parse(R"({"n": 99999999999999999999})").integer("n", 0, 10); }), "invalid_field:n");
    EXPECT_EQ(field_of([] { BodyReader::parse(std::string(1000, '[') + std::string(1000, ']')); }), "invalid_json:");
    EXPECT_EQ(field_of([] { BodyReader::parse(R"({"message": "a\u0000b"})").string("message"); }), "invalid_field:message");
    EXPECT_EQ(field_of([] { BodyReader::parse(R"({"domains": ["ok", "x\u0000"]})").string_list("domains", 5); }),
              "invalid_field:domains[1]");
}

TEST(Names, RefuseTraversalAndOddCharacters) {
    for (std::string bad : std::vector<std::string>{"../etc", "a/b", "", "UPPER", "-lead", "trail-", std::string(64, 'a'), "a..b", "a b", "é"})
        EXPECT_EQ(field_of([&] { validate_name("name", bad); }), "invalid_field:name") << bad;
    EXPECT_EQ(field_of([] { validate_name("name", "web-1"); }), "no error");
}

TEST(Query, PercentDecoding) {
    auto q = parse_query("a=1&b=x%20y&c=%zz&d");
    EXPECT_EQ(q.at("a"), "1");
    EXPECT_EQ(q.at("b"), "x y");
    EXPECT_FALSE(q.contains("c"));
    EXPECT_EQ(q.at("d"), "");
    EXPECT_FALSE(percent_decode("%4").has_value());
    EXPECT_EQ(*percent_decode("%2e%2E"), "..");
}

struct Keys {
    std::string pk, sk;
};
Keys keypair() {
    crypto::init();
    unsigned char pk[32], sk[64];
    crypto_sign_keypair(pk, sk);
    return {crypto::to_base64(std::string_view(reinterpret_cast<char*>(pk), 32)),
            crypto::to_base64(std::string_view(reinterpret_cast<char*>(sk), 64))};
}

TEST(Licence, VerifiesSignatureEditionAndUpdateWindow) {
    auto keys = keypair();
    std::string payload = R"({"licensee":"Acme","edition":"multi","maxClusters":3,"maxUsers":10,"updatesUntil":"2030-01-01","issuedAt":"2024-01-01"})";
    auto licence = verify_licence(sign_licence(payload, keys.sk), keys.pk);
    EXPECT_EQ(licence.licensee, "Acme");
    EXPECT_EQ(licence.edition, Edition::multi_tenant);
    EXPECT_EQ(licence.max_clusters, 3);
    auto other = keypair();
    EXPECT_THROW(verify_licence(sign_licence(payload, keys.sk), other.pk), std::invalid_argument);
    EXPECT_THROW(verify_licence(sign_licence(payload, keys.sk), builtin_licence_public_key()), std::invalid_argument);
    std::string old = R"({"licensee":"Acme","edition":"single","maxClusters":1,"maxUsers":1,"updatesUntil":"2020-01-01","issuedAt":"2019-01-01"})";
    EXPECT_THROW(verify_licence(sign_licence(old, keys.sk), keys.pk), std::invalid_argument);
    // A tampered payload fails even with the right key.
    auto doc = sign_licence(payload, keys.sk);
    auto tampered = doc;
    tampered[tampered.find("payload") + 12] ^= 1;
    EXPECT_THROW(verify_licence(tampered, keys.pk), std::invalid_argument);
}

TEST(Licence, BuiltInKeyIsAnEd25519PublicKey) {
    crypto::init();
    auto key = crypto::from_base64(builtin_licence_public_key());
    ASSERT_TRUE(key);
    ASSERT_EQ(key->size(), crypto_sign_PUBLICKEYBYTES);
    EXPECT_EQ(crypto_core_ed25519_is_valid_point(reinterpret_cast<const unsigned char*>(key->data())), 1);
}

// A file path in a fresh temporary directory, removed with the object.
struct TempPath {
    TempPath() : dir(std::filesystem::temp_directory_path() / ("sb-unit-" + crypto::random_hex(6))) {
        std::filesystem::create_directories(dir);
    }
    ~TempPath() { std::filesystem::remove_all(dir); }
    std::string file(const std::string& name) const { return (dir / name).string(); }
    std::filesystem::path dir;
};

TEST(LicenceTool, KeyFileSignsLicencesTheMatchingPublicKeyAccepts) {
    crypto::init();
    TempPath tmp;
    auto key_file = tmp.file("signing.key");
    auto public_key = generate_licence_key_file(key_file);
    EXPECT_EQ(std::filesystem::status(key_file).permissions(), std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
    EXPECT_THROW(generate_licence_key_file(key_file), std::invalid_argument);  // never overwritten
    EXPECT_EQ(licence_public_key_of(key_file), public_key);

    LicenceTerms terms{"Acme", "multi", 4, 20, "2031-12-31", "2026-01-02"};
    auto licence = verify_licence(sign_licence_with_key_file(terms, key_file), public_key);
    EXPECT_EQ(licence.licensee, "Acme");
    EXPECT_EQ(licence.edition, Edition::multi_tenant);
    EXPECT_EQ(licence.max_clusters, 4);
    EXPECT_EQ(licence.max_users, 20);
    EXPECT_EQ(licence.updates_until, "2031-12-31");
    EXPECT_EQ(licence.issued_at, "2026-01-02");
    EXPECT_THROW(verify_licence(sign_licence_with_key_file(terms, key_file), builtin_licence_public_key()), std::invalid_argument);
    terms.issued_at.clear();
    EXPECT_EQ(verify_licence(sign_licence_with_key_file(terms, key_file), public_key).issued_at.size(), 10u);
}

TEST(LicenceTool, RefusesTermsTheServerWouldRefuse) {
    crypto::init();
    TempPath tmp;
    auto key_file = tmp.file("signing.key");
    generate_licence_key_file(key_file);
    EXPECT_THROW(sign_licence_with_key_file({"Acme", "gold", 1, 1, "2031-01-01", ""}, key_file), std::invalid_argument);
    EXPECT_THROW(sign_licence_with_key_file({"Acme", "single", 0, 1, "2031-01-01", ""}, key_file), std::invalid_argument);
    EXPECT_THROW(sign_licence_with_key_file({"Acme", "single", 1, 1, "2020-01-01", ""}, key_file), std::invalid_argument);
    EXPECT_THROW(sign_licence_with_key_file({"", "single", 1, 1, "2031-01-01", ""}, key_file), std::invalid_argument);
    std::ofstream(tmp.file("junk.key")) << "not a key\n";
    EXPECT_THROW(sign_licence_with_key_file({"Acme", "single", 1, 1, "2031-01-01", ""}, tmp.file("junk.key")), std::invalid_argument);
    EXPECT_THROW(licence_public_key_of(tmp.file("missing.key")), std::invalid_argument);
}

TEST(SecretBox, SealsAndDetectsTampering) {
    crypto::init();
    crypto::MasterKey key{};
    key.fill(7);
    crypto::SecretBox box(key);
    auto sealed = box.seal("hunter2");
    EXPECT_EQ(sealed.find("hunter2"), std::string::npos);
    EXPECT_EQ(box.open(sealed), "hunter2");
    EXPECT_NE(box.seal("hunter2"), sealed);  // fresh nonce every time
    crypto::MasterKey other{};
    other.fill(8);
    EXPECT_THROW(crypto::SecretBox(other).open(sealed), std::runtime_error);
    EXPECT_THROW(crypto::parse_master_key("c2hvcnQ="), std::runtime_error);
}

TEST(FailureLimiter, BlocksAfterLimitUntilWindowPasses) {
    FailureLimiter limiter(3, std::chrono::seconds(60));
    auto t0 = FailureLimiter::Clock::time_point{} + std::chrono::hours(1);
    for (int i = 0; i < 3; ++i) {
        EXPECT_EQ(limiter.retry_after("k", t0), 0);
        limiter.record_failure("k", t0);
    }
    EXPECT_EQ(limiter.retry_after("k", t0 + std::chrono::seconds(10)), 50);
    EXPECT_EQ(limiter.retry_after("other", t0), 0);
    EXPECT_EQ(limiter.retry_after("k", t0 + std::chrono::seconds(60)), 0);
}

TEST(EventHub, DeliversInOrderAndDropsFullSubscribers) {
    EventHub hub;
    auto fast = std::make_shared<EventSubscriber>(100);
    auto slow = std::make_shared<EventSubscriber>(3);
    int dropped_notifications = 0;
    slow->on_ready = [&] { dropped_notifications += slow->dropped() ? 1 : 0; };
    hub.subscribe(fast, "app:1");
    hub.subscribe(slow, "app:1");
    hub.subscribe(fast, "app:2");
    for (int i = 0; i < 5; ++i) hub.publish("app:1", "build.updated", {{"i", i}});
    hub.publish("app:3", "ignored", {});
    EXPECT_TRUE(slow->dropped());
    EXPECT_EQ(dropped_notifications, 1);
    EXPECT_TRUE(slow->empty());  // its queue is released at once
    std::int64_t last = 0;
    for (int i = 0; i < 5; ++i) {
        auto msg = boost::json::parse(*fast->pop()).as_object();
        EXPECT_EQ(msg.at("data").at("i").as_int64(), i);
        EXPECT_GT(msg.at("seq").as_int64(), last);
        last = msg.at("seq").as_int64();
    }
    EXPECT_TRUE(fast->empty());
    hub.unsubscribe_all(fast);
    hub.unsubscribe_all(slow);
    EXPECT_EQ(hub.subscriber_count(), 0u);
}

// A database file in a fresh directory, with a writer connection and a table.
struct SqliteFile {
    std::filesystem::path dir = std::filesystem::temp_directory_path() / ("sb-sqlite-unit-" + std::to_string(::getpid()));
    std::string path = (dir / "test.db").string();
    SqliteFile() {
        std::filesystem::remove_all(dir);
        std::filesystem::create_directories(dir);
    }
    ~SqliteFile() { std::filesystem::remove_all(dir); }
};

TEST(SqliteConnection, ReaderRunsReadsAndRunsNoWrite) {
    SqliteFile file;
    db::SqliteConnection writer(file.path, db::SqliteConnection::Mode::writer, 1000);
    writer.run("CREATE TABLE t (name TEXT PRIMARY KEY)", {});
    writer.run("INSERT INTO t (name) VALUES ($1)", db::params("a"));
    db::SqliteConnection reader(file.path, db::SqliteConnection::Mode::reader, 1000);
    for (int i = 0; i < 3; ++i) {  // first run, first cached run, cached run
        EXPECT_FALSE(reader.run_if_reads_only("INSERT INTO t (name) VALUES ($1)", db::params("b" + std::to_string(i))));
        auto read = reader.run_if_reads_only("SELECT name FROM t WHERE name = $1", db::params("a"));
        ASSERT_TRUE(read);
        EXPECT_EQ(read->one().str(0), "a");
    }
    EXPECT_EQ(writer.run("SELECT COUNT(*) FROM t", {}).one().i64(0), 1);
}

TEST(SqliteConnection, StatementRunsAgainAfterFailingWhetherKeptOrNot) {
    SqliteFile file;
    db::SqliteConnection writer(file.path, db::SqliteConnection::Mode::writer, 1000);
    writer.run("CREATE TABLE t (name TEXT PRIMARY KEY)", {});
    const char* insert = "INSERT INTO t (name) VALUES ($1)";
    for (const char* name : {"a", "b", "c"}) {
        EXPECT_EQ(writer.run(insert, db::params(std::string(name))).affected, 1);
        try {
            writer.run(insert, db::params(std::string(name)));
            ADD_FAILURE() << "a second " << name << " was inserted";
        } catch (const db::Error& e) {
            EXPECT_EQ(e.kind(), db::Error::Kind::unique_violation);
        }
    }
    auto all = writer.run("SELECT name FROM t ORDER BY name", {});
    ASSERT_EQ(all.rows.size(), 3u);
    EXPECT_EQ(all.rows[2].str(0), "c");
}

}  // namespace
}  // namespace sb::server
