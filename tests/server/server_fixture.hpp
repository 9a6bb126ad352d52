#pragma once
// Runs shapeblock-server in-process (its own IO thread) on SQLite in a
// scratch directory or on a fresh database of the shared test PostgreSQL.
#include <boost/json/value.hpp>

#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "tests/server/api_client.hpp"
#include "server/core/config.hpp"
#include "server/server.hpp"
#include "tests/support/scratch.hpp"

namespace sb::server::testing {

enum class Backend { sqlite, postgres };
std::string backend_name(Backend b);

inline constexpr const char* kAdminEmail = "admin@example.test";
inline constexpr const char* kAdminPassword = "admin-password-1";

// The licence key pair for tests (generated once per test process).
struct LicenceKeys {
    std::string public_key, secret_key;  // base64
};
const LicenceKeys& test_licence_keys();
// A licence document signed with the test key.
std::string make_licence(const std::string& edition, int max_clusters, int max_users,
                         const std::string& updates_until = "2030-01-01");

// Database settings for a backend: a scratch SQLite dir or a new PostgreSQL database.
struct Storage {
    explicit Storage(Backend backend);
    Backend backend;
    std::unique_ptr<sb::testenv::ScratchDir> dir;
    std::string data_dir, database_url;
    // Runs SQL directly against the database (to inspect data at rest).
    std::vector<std::vector<std::string>> raw_query(const std::string& sql) const;
    // Runs statements that return no rows (several at once on PostgreSQL).
    void raw_exec(const std::string& sql) const;
};

class TestServer {
public:
    explicit TestServer(Backend backend, std::function<void(Config&)> adjust = {});
    ~TestServer();
    int port() const { return port_; }
    ApiClient anonymous() const { return ApiClient(port_); }
    // Signs in with the password and returns a client using a new API token.
    ApiClient login_with_token(const std::string& email, const std::string& password) const;
    ApiClient admin() const { return login_with_token(kAdminEmail, kAdminPassword); }
    // Id of the bootstrap team ("default").
    std::string default_team(const ApiClient& admin) const;
    // Creates a user (as the installation admin) and returns a client for it.
    ApiClient create_user(const ApiClient& admin, const std::string& email, std::string* user_id = nullptr) const;
    const Storage& storage() const { return storage_; }
    // The configuration the server runs with (its data dir, database URL).
    const Config& config() const { return config_; }
    // Stops the server, keeping its storage; start() runs it again on it
    // (after `adjust`, when given, changed the configuration).
    void stop();
    void start(std::function<void(Config&)> adjust = {});

private:
    Storage storage_;
    Config config_;
    std::unique_ptr<sb::server::Server> server_;
    std::thread thread_;
    int port_ = 0;
};

// A multi-tenant licence, a cluster "edge" registered in `team` and a
// project "shop" on it: what tests of the agent link start from.
struct ProjectOnCluster {
    std::string cluster_id, agent_token, project_id;
    std::string project_path;  // /api/v1/teams/<team>/projects/<id>
};
ProjectOnCluster licensed_project_on_cluster(const ApiClient& admin, const std::string& team);

// Asserting helpers that print the body when the status is unexpected.
boost::json::value expect_status(const HttpResult& r, int status);

}  // namespace sb::server::testing
