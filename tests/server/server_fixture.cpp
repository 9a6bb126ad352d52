#include "tests/server/server_fixture.hpp"

#include <gtest/gtest.h>
#include <libpq-fe.h>
#include <sodium.h>
#include <sqlite3.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "common/base64.hpp"
#include "common/log.hpp"
#include "server/core/crypto.hpp"
#include "server/core/licence.hpp"
#include "tests/support/local_postgres.hpp"
#include "server/server.hpp"

namespace sb::server::testing {
namespace json = boost::json;

std::string backend_name(Backend b) { return b == Backend::sqlite ? "sqlite" : "postgres"; }

const LicenceKeys& test_licence_keys() {
    static const LicenceKeys keys = [] {
        crypto::init();
        unsigned char pk[crypto_sign_PUBLICKEYBYTES], sk[crypto_sign_SECRETKEYBYTES];
        crypto_sign_keypair(pk, sk);
        return LicenceKeys{sb::base64_encode(std::string_view(reinterpret_cast<char*>(pk), sizeof(pk))),
                           sb::base64_encode(std::string_view(reinterpret_cast<char*>(sk), sizeof(sk)))};
    }();
    return keys;
}

std::string make_licence(const std::string& edition, int max_clusters, int max_users, const std::string& updates_until) {
    json::object payload{{"licensee", "Test Corp"}, {"edition", edition}, {"maxClusters", max_clusters},
                         {"maxUsers", max_users}, {"updatesUntil", updates_until}, {"issuedAt", "2024-06-01"}};
    return sign_licence(json::serialize(payload), test_licence_keys().secret_key);
}

Storage::Storage(Backend b) : backend(b) {
    if (b == Backend::sqlite) {
        dir = std::make_unique<sb::testenv::ScratchDir>("sb-server");
        data_dir = dir->path().string();
    } else {
        dir = std::make_unique<sb::testenv::ScratchDir>("sb-server-pg");
        data_dir = dir->path().string();
        database_url = sb::testenv::LocalPostgres::shared().create_database("sb_" + sb::testenv::random_hex(6));
    }
}

std::vector<std::vector<std::string>> Storage::raw_query(const std::string& sql) const {
    std::vector<std::vector<std::string>> rows;
    if (backend == Backend::sqlite) {
        sqlite3* db = nullptr;
        sqlite3_open((data_dir + "/shapeblock.db").c_str(), &db);
        sqlite3_stmt* stmt = nullptr;
        if (sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr) != SQLITE_OK) {
            std::string err = sqlite3_errmsg(db);
            sqlite3_close(db);
            throw std::runtime_error(err);
        }
        while (sqlite3_step(stmt) == SQLITE_ROW) {
            std::vector<std::string> row;
            for (int c = 0; c < sqlite3_column_count(stmt); ++c) {
                auto* t = sqlite3_column_text(stmt, c);
                row.emplace_back(t ? reinterpret_cast<const char*>(t) : "");
            }
            rows.push_back(std::move(row));
        }
        sqlite3_finalize(stmt);
        sqlite3_close(db);
    } else {
        PGconn* conn = PQconnectdb(database_url.c_str());
        PGresult* res = PQexec(conn, sql.c_str());
        if (PQresultStatus(res) != PGRES_TUPLES_OK) {
            std::string err = PQerrorMessage(conn);
            PQclear(res);
            PQfinish(conn);
            throw std::runtime_error(err);
        }
        for (int r = 0; r < PQntuples(res); ++r) {
            std::vector<std::string> row;
            for (int c = 0; c < PQnfields(res); ++c) row.emplace_back(PQgetvalue(res, r, c));
            rows.push_back(std::move(row));
        }
        PQclear(res);
        PQfinish(conn);
    }
    return rows;
}

void Storage::raw_exec(const std::string& sql) const {
    if (backend == Backend::sqlite) {
        sqlite3* db = nullptr;
        sqlite3_open((data_dir + "/shapeblock.db").c_str(), &db);
        sqlite3_busy_timeout(db, 5000);
        char* err = nullptr;
        int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err);
        std::string message = err ? err : "";
        sqlite3_free(err);
        sqlite3_close(db);
        if (rc != SQLITE_OK) throw std::runtime_error(message);
        return;
    }
    PGconn* conn = PQconnectdb(database_url.c_str());
    PGresult* res = PQexec(conn, sql.c_str());
    bool ok = PQresultStatus(res) == PGRES_COMMAND_OK || PQresultStatus(res) == PGRES_TUPLES_OK;
    std::string err = PQerrorMessage(conn);
    PQclear(res);
    PQfinish(conn);
    if (!ok) throw std::runtime_error(err);
}

TestServer::TestServer(Backend backend, std::function<void(Config&)> adjust) : storage_(backend) {
    sb::log::set_level(sb::log::Level::warn);
    config_.port = 0;
    config_.data_dir = storage_.data_dir;
    config_.database_url = storage_.database_url;
    config_.admin_email = kAdminEmail;
    config_.admin_password = kAdminPassword;
    config_.fast_password_hashing = true;
    config_.licence_public_key = test_licence_keys().public_key;
    config_.shutdown_grace = std::chrono::seconds(5);
    start(std::move(adjust));
}

void TestServer::start(std::function<void(Config&)> adjust) {
    if (adjust) adjust(config_);
    server_ = std::make_unique<Server>(config_);
    thread_ = std::thread([this] {
        try {
            server_->run();
        } catch (const std::exception& e) {
            std::fprintf(stderr, "server stopped with an error: %s\n", e.what());
        }
    });
    try {
        port_ = server_->wait_until_listening();
    } catch (...) {
        thread_.join();
        server_.reset();
        throw;
    }
}

void TestServer::stop() {
    if (!server_) return;
    server_->request_stop();
    thread_.join();
    server_.reset();
}

TestServer::~TestServer() { stop(); }

json::value expect_status(const HttpResult& r, int status) {
    EXPECT_EQ(r.status, status) << r.body;
    if (r.body.empty()) return nullptr;
    boost::system::error_code ec;
    auto v = json::parse(r.body, ec);
    return ec ? json::value(nullptr) : v;
}

ApiClient TestServer::login_with_token(const std::string& email, const std::string& password) const {
    ApiClient c(port_);
    auto login = c.post("/api/v1/auth/login", json::object{{"email", email}, {"password", password}});
    if (login.status != 200) throw std::runtime_error("login failed: " + login.body);
    auto cookie = login.header("set-cookie");
    c.cookie = cookie.substr(0, cookie.find(';'));
    c.csrf = std::string(login.json().at("csrfToken").as_string());
    auto token = c.post("/api/v1/me/tokens", json::object{{"name", "test"}});
    if (token.status != 201) throw std::runtime_error("token failed: " + token.body);
    ApiClient out(port_);
    out.bearer = std::string(token.json().at("token").as_string());
    return out;
}

std::string TestServer::default_team(const ApiClient& admin) const {
    const auto teams = admin.get("/api/v1/teams").json();
    for (const auto& t : teams.at("items").as_array())
        if (t.at("name").as_string() == "default") return std::string(t.at("id").as_string());
    throw std::runtime_error("no default team");
}

ProjectOnCluster licensed_project_on_cluster(const ApiClient& admin, const std::string& team) {
    expect_status(admin.put("/api/v1/licence", json::object{{"document", make_licence("multi", 10, 10)}}), 200);
    const auto cluster = expect_status(admin.post("/api/v1/teams/" + team + "/clusters", json::object{{"name", "edge"}}), 201);
    ProjectOnCluster out;
    out.cluster_id = std::string(cluster.at("id").as_string());
    out.agent_token = std::string(cluster.at("agentToken").as_string());
    const auto project = expect_status(
        admin.post("/api/v1/teams/" + team + "/projects", json::object{{"name", "shop"}, {"clusterId", out.cluster_id}}), 201);
    out.project_id = std::string(project.at("id").as_string());
    out.project_path = "/api/v1/teams/" + team + "/projects/" + out.project_id;
    return out;
}

ApiClient TestServer::create_user(const ApiClient& admin, const std::string& email, std::string* user_id) const {
    auto r = admin.post("/api/v1/users", json::object{{"email", email}, {"name", email}, {"password", "password-of-" + email}});
    if (r.status != 201) throw std::runtime_error("create user failed: " + r.body);
    if (user_id) *user_id = std::string(r.json().at("id").as_string());
    return login_with_token(email, "password-of-" + email);
}

}  // namespace sb::server::testing
