// Idempotency keys on SQLite and PostgreSQL: every create route replays its
// first response, the key commits in the same transaction as the object (a
// failure writing the key leaves no object behind), concurrent retries with
// one key create one object, stored responses are sealed at rest, and keys
// expire after a day.
#include <gtest/gtest.h>

#include <boost/json/serialize.hpp>
#include <thread>

#include "server/core/crypto.hpp"
#include "tests/server/server_fixture.hpp"

namespace sb::server::testing {
namespace {
namespace json = boost::json;

class Idempotency : public ::testing::TestWithParam<Backend> {
protected:
    void SetUp() override {
        server = std::make_unique<TestServer>(GetParam());
        admin = std::make_unique<ApiClient>(server->admin());
        team = server->default_team(*admin);
        // Room for more teams and clusters than the unlicensed edition allows.
        expect_status(admin->put("/api/v1/licence", json::object{{"document", make_licence("multi", 10, 10)}}), 200);
    }
    std::string teams() const { return "/api/v1/teams/" + team; }
    std::string id_of(const HttpResult& r) const {
        EXPECT_EQ(r.status, 201) << r.body;
        return std::string(r.json().at("id").as_string());
    }
    // Posts the same create twice with one key; checks the second is a replay and returns the first.
    HttpResult create_twice(const std::string& path, const json::object& body, const std::string& key) {
        std::map<std::string, std::string> headers{{"Idempotency-Key", key}};
        auto first = admin->post(path, body, headers);
        auto again = admin->post(path, body, headers);
        EXPECT_EQ(first.status, 201) << path << " " << first.body;
        EXPECT_EQ(again.status, first.status) << path << " " << again.body;
        EXPECT_EQ(again.body, first.body) << path;
        EXPECT_EQ(again.header("idempotent-replayed"), "true") << path;
        EXPECT_EQ(again.header("etag"), first.header("etag")) << path;
        EXPECT_TRUE(first.header("idempotent-replayed").empty()) << path;
        return first;
    }
    std::size_t count(const std::string& collection) const {
        return expect_status(admin->get(collection + "?limit=200"), 200).at("items").as_array().size();
    }

    std::unique_ptr<TestServer> server;
    std::unique_ptr<ApiClient> admin;
    std::string team;
};

TEST_P(Idempotency, EveryCreateRouteReplaysItsFirstResponse) {
    auto cluster = create_twice(teams() + "/clusters", {{"name", "edge"}}, "k-cluster");
    auto project = id_of(create_twice(teams() + "/projects", {{"name", "shop"}, {"clusterId", id_of(cluster)}}, "k-project"));
    auto apps = teams() + "/projects/" + project + "/apps";
    auto app_created = create_twice(apps, {{"name", "web"}, {"env", {{"A", "1"}}}}, "k-app");
    EXPECT_EQ(app_created.header("etag"), "\"1\"");  // and the replay's, checked in create_twice
    auto app = id_of(app_created);
    auto services = teams() + "/projects/" + project + "/services";
    create_twice(services, {{"name", "db"}, {"type", "postgresql"}}, "k-service");
    auto builds = apps + "/" + app + "/builds";
    create_twice(builds, {{"gitRef", "main"}}, "k-build");
    create_twice("/api/v1/teams", {{"name", "second"}}, "k-team");
    create_twice("/api/v1/users", {{"email", "u@example.test"}, {"name", "U"}, {"password", "password-of-u"}}, "k-user");

    EXPECT_EQ(count(teams() + "/projects"), 1u);
    EXPECT_EQ(count(teams() + "/clusters"), 1u);
    EXPECT_EQ(count(apps), 1u);
    EXPECT_EQ(count(services), 1u);
    EXPECT_EQ(count(builds), 1u);
    EXPECT_EQ(count("/api/v1/teams"), 2u);
    // The same key on another path is another key.
    EXPECT_EQ(admin->post(teams() + "/clusters", json::object{{"name", "edge2"}}, {{"Idempotency-Key", "k-project"}}).status, 201);
}

TEST_P(Idempotency, KeyIsWrittenInTheCreatesTransaction) {
    // Make every write of an idempotency key fail, as a crash between the two
    // writes would: the create it belongs to must not survive either.
    if (GetParam() == Backend::sqlite) {
        server->storage().raw_exec(
            "CREATE TRIGGER refuse_keys BEFORE INSERT ON idempotency_keys BEGIN SELECT RAISE(ABORT, 'injected failure'); END");
    } else {
        server->storage().raw_exec(
            "CREATE FUNCTION refuse_keys() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'injected failure'; END $$;"
            "CREATE TRIGGER refuse_keys BEFORE INSERT ON idempotency_keys FOR EACH ROW EXECUTE FUNCTION refuse_keys()");
    }
    auto failed = admin->post(teams() + "/projects", json::object{{"name", "shop"}}, {{"Idempotency-Key", "k1"}});
    EXPECT_EQ(failed.status, 500) << failed.body;
    EXPECT_EQ(count(teams() + "/projects"), 0u);
    auto audit = server->storage().raw_query("SELECT COUNT(*) FROM audit_log WHERE action = 'project.create'");
    EXPECT_EQ(audit.at(0).at(0), "0");
    // Without a key nothing else is written, so the same create succeeds.
    EXPECT_EQ(admin->post(teams() + "/projects", json::object{{"name", "shop"}}).status, 201);

    server->storage().raw_exec("DROP TRIGGER refuse_keys" + std::string(GetParam() == Backend::postgres ? " ON idempotency_keys" : ""));
    auto retried = admin->post(teams() + "/projects", json::object{{"name", "other"}}, {{"Idempotency-Key", "k1"}});
    EXPECT_EQ(retried.status, 201) << retried.body;
    EXPECT_EQ(count(teams() + "/projects"), 2u);
}

TEST_P(Idempotency, ConcurrentRetriesWithOneKeyCreateOnce) {
    constexpr int kClients = 8;
    std::vector<HttpResult> results(kClients);
    std::vector<std::thread> threads;
    for (int i = 0; i < kClients; ++i)
        threads.emplace_back([&, i] {
            results[static_cast<std::size_t>(i)] =
                admin->post(teams() + "/projects", json::object{{"name", "raced"}}, {{"Idempotency-Key", "same"}});
        });
    for (auto& t : threads) t.join();
    for (const auto& r : results) {
        EXPECT_EQ(r.status, 201) << r.body;
        EXPECT_EQ(r.body, results[0].body);
    }
    EXPECT_EQ(count(teams() + "/projects"), 1u);
}

TEST_P(Idempotency, StoredResponsesAreSealedAtRest) {
    auto cluster = admin->post(teams() + "/clusters", json::object{{"name", "edge"}}, {{"Idempotency-Key", "c"}});
    ASSERT_EQ(cluster.status, 201) << cluster.body;
    std::string token(cluster.json().at("agentToken").as_string());
    auto rows = server->storage().raw_query("SELECT body FROM idempotency_keys");
    ASSERT_EQ(rows.size(), 1u);
    EXPECT_EQ(rows[0][0].find(token), std::string::npos);
    EXPECT_EQ(rows[0][0].rfind("v1:", 0), 0u);
}

TEST_P(Idempotency, KeysExpireAfterADay) {
    auto me = expect_status(admin->get("/api/v1/me"), 200);
    std::string scope = std::string(me.at("id").as_string()) + " " + teams() + "/projects";
    // A key used two days ago, for another body.
    auto two_days_ago = std::to_string(crypto::now_ms() - 48LL * 3600 * 1000);
    server->storage().raw_exec("INSERT INTO idempotency_keys (scope, idem_key, request_hash, status, body, created_at) VALUES ('" +
                               scope + "', 'old-key', 'other-hash', 201, '{}', " + two_days_ago + ")");
    auto created = admin->post(teams() + "/projects", json::object{{"name", "fresh"}}, {{"Idempotency-Key", "old-key"}});
    EXPECT_EQ(created.status, 201) << created.body;
    EXPECT_TRUE(created.header("idempotent-replayed").empty());
    auto rows = server->storage().raw_query("SELECT request_hash FROM idempotency_keys WHERE idem_key = 'old-key'");
    ASSERT_EQ(rows.size(), 1u);
    EXPECT_NE(rows[0][0], "other-hash");
}

INSTANTIATE_TEST_SUITE_P(Backends, Idempotency, ::testing::Values(Backend::sqlite, Backend::postgres),
                         [](const auto& info) { return backend_name(info.param); });

}  // namespace
}  // namespace sb::server::testing
