// kill -9 of the server process during a stream of creates: after a restart
// every create that was acknowledged (2xx) is there. SQLite and PostgreSQL.
#include <gtest/gtest.h>

#include <atomic>
#include <boost/json/serialize.hpp>
#include <mutex>
#include <set>
#include <thread>

#include "tests/support/child_process.hpp"
#include "tests/server/server_fixture.hpp"

namespace sb::server::testing {
namespace {
namespace json = boost::json;
using namespace std::chrono_literals;

class Durability : public ::testing::TestWithParam<Backend> {
protected:
    sb::testenv::ChildProcess start(const Storage& storage, int port) {
        std::map<std::string, std::string> env = {{"SB_ADMIN_EMAIL", kAdminEmail}, {"SB_ADMIN_PASSWORD", kAdminPassword},
                                                  {"SB_TEST_FAST_HASHING", "1"}, {"SB_DATA_DIR", storage.data_dir},
                                                  {"SB_PORT", std::to_string(port)}, {"SB_LOG_LEVEL", "warn"}};
        if (!storage.database_url.empty()) env["SB_DATABASE_URL"] = storage.database_url;
        sb::testenv::ChildProcess p({{SB_SERVER_BINARY}, storage.data_dir + "/server.log", env, ""});
        auto deadline = std::chrono::steady_clock::now() + 30s;
        while (std::chrono::steady_clock::now() < deadline) {
            try {
                if (ApiClient(port).get("/readyz").status == 200) return p;
            } catch (const std::exception&) {
            }
            std::this_thread::sleep_for(50ms);
        }
        throw std::runtime_error("server did not start:\n" + p.log_tail());
    }
};

TEST_P(Durability, AcknowledgedCreatesSurviveKillNine) {
    Storage storage(GetParam());
    int port = sb::testenv::free_port();
    auto server = start(storage, port);
    ApiClient login(port);
    auto ok = login.post("/api/v1/auth/login", json::object{{"email", kAdminEmail}, {"password", kAdminPassword}});
    ASSERT_EQ(ok.status, 200) << ok.body;
    login.cookie = ok.header("set-cookie").substr(0, ok.header("set-cookie").find(';'));
    login.csrf = std::string(ok.json().at("csrfToken").as_string());
    ApiClient admin(port);
    admin.bearer = std::string(login.post("/api/v1/me/tokens", json::object{{"name", "t"}}).json().at("token").as_string());
    std::string team(admin.get("/api/v1/teams").json().at("items").as_array()[0].at("id").as_string());
    std::string projects = "/api/v1/teams/" + team + "/projects";

    std::mutex mutex;
    std::set<std::string> acknowledged;
    std::atomic<bool> stop{false};
    std::vector<std::thread> writers;
    for (int w = 0; w < 4; ++w)
        writers.emplace_back([&, w] {
            for (int i = 0; !stop; ++i) {
                std::string name = "w" + std::to_string(w) + "-" + std::to_string(i);
                try {
                    auto r = admin.post(projects, json::object{{"name", name}});
                    if (r.status == 201) {
                        std::lock_guard lock(mutex);
                        acknowledged.insert(name);
                    }
                } catch (const std::exception&) {
                    return;  // the server is gone
                }
            }
        });
    auto deadline = std::chrono::steady_clock::now() + 60s;
    for (;;) {
        {
            std::lock_guard lock(mutex);
            if (acknowledged.size() >= 200 || std::chrono::steady_clock::now() > deadline) break;
        }
        std::this_thread::sleep_for(5ms);
    }
    server.kill_hard();
    stop = true;
    for (auto& t : writers) t.join();
    ASSERT_GE(acknowledged.size(), 50u);

    auto restarted = start(storage, port);
    std::set<std::string> present;
    std::string url = projects + "?limit=200";
    for (;;) {
        auto page = admin.get(url).json();
        for (const auto& p : page.at("items").as_array()) present.insert(std::string(p.at("name").as_string()));
        if (page.at("nextCursor").is_null()) break;
        url = projects + "?limit=200&after=" + std::string(page.at("nextCursor").as_string());
    }
    for (const auto& name : acknowledged) EXPECT_TRUE(present.contains(name)) << name << " was acknowledged but is gone";
    std::printf("%s: %zu acknowledged creates, %zu present after kill -9\n", backend_name(GetParam()).c_str(),
                acknowledged.size(), present.size());
    // `migrate` on an up-to-date database is a no-op.
    std::vector<std::string> argv = {SB_SERVER_BINARY, "migrate", "--data-dir", storage.data_dir};
    if (!storage.database_url.empty()) argv.insert(argv.end(), {"--database-url", storage.database_url});
    EXPECT_NO_THROW(sb::testenv::run_command(argv));
}

INSTANTIATE_TEST_SUITE_P(Backends, Durability, ::testing::Values(Backend::sqlite, Backend::postgres),
                         [](const auto& info) { return backend_name(info.param); });

}  // namespace
}  // namespace sb::server::testing
