// Master-key rotation on SQLite and PostgreSQL, through the real command
// (`shapeblock-server rotate-master-key`): every sealed value in every table
// ends up sealed with the new key only, the restarted server reads the
// secrets, a wrong key fails the start clearly, an interrupted rotation is
// finished by running the command again, and a value no key opens aborts
// the rotation without changing anything.
#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/json/serialize.hpp>
#include <algorithm>
#include <filesystem>

#include "common/base64.hpp"
#include "tests/support/child_process.hpp"
#include "server/core/crypto.hpp"
#include "server/core/key_rotation.hpp"
#include "server/webhooks/signature.hpp"
#include "tests/support/scratch.hpp"
#include "tests/server/server_fixture.hpp"

namespace sb::server::testing {
namespace {
namespace json = boost::json;
namespace fs = std::filesystem;

std::string key_text(const crypto::MasterKey& key) {
    return sb::base64_encode(std::string_view(reinterpret_cast<const char*>(key.data()), key.size()));
}

class KeyRotation : public ::testing::TestWithParam<Backend> {
protected:
    void SetUp() override {
        server = std::make_unique<TestServer>(GetParam());
        admin = std::make_unique<ApiClient>(server->admin());
        team = server->default_team(*admin);
        auto project = expect_status(admin->post(teams() + "/projects", json::object{{"name", "shop"}}), 201);
        app_path = teams() + "/projects/" + std::string(project.at("id").as_string()) + "/apps";
        auto app = admin->post(app_path, json::object{{"name", "web"},
                                                      {"git", {{"url", "https://example.com/r.git"}, {"token", "git-secret"}}},
                                                      {"env", {{"DATABASE_URL", "postgres://user:pw@db/x"}}}});
        ASSERT_EQ(app.status, 201) << app.body;
        app_path += "/" + std::string(app.json().at("id").as_string());
        // An env change: a release keeping the sealed env, which a rollback opens later.
        auto env = admin->put(app_path + "/env",
                              json::object{{"env", {{"DATABASE_URL", "postgres://user:pw@db/x"}, {"MODE", "production"}}}});
        ASSERT_EQ(env.status, 200) << env.body;
        cluster = admin->post(teams() + "/clusters", json::object{{"name", "edge"}}, {{"Idempotency-Key", "c1"}});
        ASSERT_EQ(cluster.status, 201) << cluster.body;
        auto hook = expect_status(admin->post(app_path + "/webhook", json::object{}), 201);
        std::string url(hook.at("url").as_string());
        hook_path = url.substr(url.find("/api/v1/hooks/"));
        hook_secret = std::string(hook.at("secret").as_string());
    }
    std::string teams() const { return "/api/v1/teams/" + team; }
    std::string key_file() const { return server->config().data_dir + "/master.key"; }

    // Runs the command against the server's database; returns its output (throws when it fails).
    std::string rotate(std::vector<std::string> extra = {}, const std::string& env_key = "") const {
        std::vector<std::string> argv;
        if (!env_key.empty()) argv = {"env", "SB_MASTER_KEY=" + env_key};
        argv.insert(argv.end(), {SB_SERVER_BINARY, "rotate-master-key", "--data-dir", server->config().data_dir,
                                 "--log-level", "warn"});
        if (!server->config().database_url.empty()) argv.insert(argv.end(), {"--database-url", server->config().database_url});
        argv.insert(argv.end(), extra.begin(), extra.end());
        return sb::testenv::run_command(argv);
    }

    // Every text value of every table that looks sealed.
    std::vector<std::string> sealed_values() const {
        const auto& storage = server->storage();
        std::vector<std::pair<std::string, std::string>> columns;
        if (GetParam() == Backend::sqlite) {
            for (const auto& t : storage.raw_query("SELECT name FROM sqlite_master WHERE type = 'table'"))
                for (const auto& c : storage.raw_query("PRAGMA table_info(" + t[0] + ")")) columns.emplace_back(t[0], c[1]);
        } else {
            for (const auto& r : storage.raw_query("SELECT table_name, column_name FROM information_schema.columns "
                                                   "WHERE table_schema = 'public' AND data_type = 'text'"))
                columns.emplace_back(r[0], r[1]);
        }
        std::vector<std::string> values;
        for (const auto& [table, column] : columns)
            for (const auto& r : storage.raw_query("SELECT " + column + " FROM " + table + " WHERE " + column + " LIKE 'v1:%'"))
                values.push_back(r[0]);
        return values;
    }

    void expect_secrets_readable(const ApiClient& client) const {
        auto env = expect_status(client.get(app_path + "/env"), 200);
        EXPECT_EQ(env.at("env").at("DATABASE_URL").as_string(), "postgres://user:pw@db/x");
        auto app = expect_status(client.get(app_path), 200);
        EXPECT_TRUE(app.at("git").at("hasToken").as_bool());
        auto replay = client.post(teams() + "/clusters", json::object{{"name", "edge"}}, {{"Idempotency-Key", "c1"}});
        EXPECT_EQ(replay.status, 201);
        EXPECT_EQ(replay.body, cluster.body);
        // The webhook's secret still verifies a delivery.
        std::string ping = R"({"zen":"z"})";
        auto delivered = client.request("POST", hook_path, ping,
                                        {{"X-GitHub-Event", "ping"}, {"X-GitHub-Delivery", crypto::new_id()},
                                         {"X-Hub-Signature-256", "sha256=" + webhooks::hmac_sha256_hex(hook_secret, ping)}});
        EXPECT_EQ(delivered.status, 200) << delivered.body;
    }
    ApiClient client_after_restart() const {
        ApiClient c(server->port());
        c.bearer = admin->bearer;
        return c;
    }

    std::unique_ptr<TestServer> server;
    std::unique_ptr<ApiClient> admin;
    std::string team, app_path, hook_path, hook_secret;
    HttpResult cluster;
};

TEST_P(KeyRotation, EverySealedValueMovesToTheNewKey) {
    auto old_key = crypto::read_master_key_file(key_file());
    auto before = sealed_values();
    ASSERT_EQ(before.size(), 5u);  // the app's secrets, its release's, the stored create response, the webhook's secret, the key check
    server->stop();

    auto output = rotate();
    EXPECT_NE(output.find("Re-sealed 5 secret(s)"), std::string::npos) << output;
    auto new_key = crypto::read_master_key_file(key_file());
    EXPECT_NE(new_key, old_key);
    EXPECT_FALSE(fs::exists(key_file() + ".next"));
    int previous = 0;
    for (const auto& entry : fs::directory_iterator(server->config().data_dir))
        if (entry.path().filename().string().starts_with("master.key.previous-")) {
            ++previous;
            EXPECT_EQ(crypto::read_master_key_file(entry.path().string()), old_key);
            EXPECT_EQ(fs::status(entry.path()).permissions() & fs::perms::group_all, fs::perms::none);
        }
    EXPECT_EQ(previous, 1);
    EXPECT_EQ(fs::status(key_file()).permissions() & (fs::perms::group_all | fs::perms::others_all), fs::perms::none);

    crypto::SecretBox old_box(old_key), new_box(new_key);
    auto after = sealed_values();
    EXPECT_EQ(after.size(), before.size());
    for (const auto& v : after) {
        EXPECT_NO_THROW(new_box.open(v));
        EXPECT_THROW(old_box.open(v), std::runtime_error);
    }

    server->start();
    expect_secrets_readable(client_after_restart());
}

TEST_P(KeyRotation, WrongKeyFailsTheStartWithAClearMessage) {
    server->stop();
    auto other = key_text(crypto::random_master_key());
    try {
        server->start([&](Config& c) { c.master_key = other; });
        FAIL() << "the server started with a master key that does not match the database";
    } catch (const std::exception& e) {
        EXPECT_NE(std::string(e.what()).find("master key does not match"), std::string::npos) << e.what();
    }
    server->start([](Config& c) { c.master_key.clear(); });
    expect_secrets_readable(client_after_restart());
}

TEST_P(KeyRotation, InterruptedRotationIsFinishedByRunningItAgain) {
    auto old_key = crypto::read_master_key_file(key_file());
    server->stop();
    // The transaction committed, then the command died before replacing the key file.
    auto next = crypto::random_master_key();
    crypto::write_master_key_file(key_file() + ".next", next);
    boost::asio::io_context io;
    std::exception_ptr failure;
    boost::asio::co_spawn(
        io,
        [&]() -> boost::asio::awaitable<void> {
            auto database = db::open(io.get_executor(), {server->config().database_url, server->config().data_dir, 1, 5000});
            co_await reseal_all(*database, old_key, next);
        },
        [&](std::exception_ptr e) { failure = e; });
    io.run();
    ASSERT_FALSE(failure);
    EXPECT_THROW(server->start(), std::exception);

    auto output = rotate();
    EXPECT_NE(output.find("Re-sealed 5"), std::string::npos) << output;
    EXPECT_EQ(crypto::read_master_key_file(key_file()), next);
    // Died after replacing the key file but before removing the staged key: nothing is left to do.
    crypto::write_master_key_file(key_file() + ".next", next);
    EXPECT_NE(rotate().find("already rotated"), std::string::npos);
    EXPECT_FALSE(fs::exists(key_file() + ".next"));
    server->start();
    expect_secrets_readable(client_after_restart());
}

TEST_P(KeyRotation, KeyFromTheEnvironmentRotatesIntoANewKeyFile) {
    auto old_key = key_text(crypto::read_master_key_file(key_file()));
    server->stop();
    // The same key given by SB_MASTER_KEY instead of the file.
    fs::remove(key_file());
    EXPECT_THROW(rotate({}, old_key), std::runtime_error);  // needs --new-master-key-file
    sb::testenv::ScratchDir elsewhere("sb-new-key");
    auto new_file = (elsewhere.path() / "new.key").string();
    auto output = rotate({"--new-master-key-file", new_file}, old_key);
    EXPECT_NE(output.find("Set SB_MASTER_KEY to the content of " + new_file), std::string::npos) << output;
    auto new_key = key_text(crypto::read_master_key_file(new_file));
    server->start([&](Config& c) { c.master_key = new_key; });
    expect_secrets_readable(client_after_restart());
}

TEST_P(KeyRotation, AValueNoKeyOpensAbortsWithoutChangingAnything) {
    auto old_key = crypto::read_master_key_file(key_file());
    crypto::SecretBox stranger(crypto::random_master_key());
    server->storage().raw_exec("INSERT INTO settings (name, value) VALUES ('stray', '" + stranger.seal("x") + "')");
    auto before = sealed_values();
    std::sort(before.begin(), before.end());
    server->stop();
    EXPECT_THROW(rotate(), std::runtime_error);
    EXPECT_EQ(crypto::read_master_key_file(key_file()), old_key);
    auto after = sealed_values();
    std::sort(after.begin(), after.end());
    EXPECT_EQ(after, before);
    server->start();
    expect_secrets_readable(client_after_restart());
}

INSTANTIATE_TEST_SUITE_P(Backends, KeyRotation, ::testing::Values(Backend::sqlite, Backend::postgres),
                         [](const auto& info) { return backend_name(info.param); });

}  // namespace
}  // namespace sb::server::testing
