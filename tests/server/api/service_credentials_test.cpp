// GET .../services/{service}/credentials against the real server, the test
// playing the cluster's operator: asked for at each request over the agent
// link, answered with the service's connection details, which the server
// hands to the caller (no-store) and neither stores nor logs; who may read
// them; the cluster away, not ready or too old.
#include <gtest/gtest.h>

#include <future>

#include "common/json_fields.hpp"
#include "common/log.hpp"
#include "tests/server/fake_agent.hpp"
#include "tests/server/server_fixture.hpp"

namespace sb::server::testing {
namespace {
namespace json = boost::json;
using namespace std::chrono_literals;

const std::string kPassword = "sekrit-service-password-41";

class ServiceCredentials : public ::testing::TestWithParam<Backend> {
protected:
    void SetUp() override {
        server = std::make_unique<TestServer>(GetParam());
        admin = std::make_unique<ApiClient>(server->admin());
        team = server->default_team(*admin);
        place = licensed_project_on_cluster(*admin, team);
        auto s = admin->post(place.project_path + "/services", json::object{{"name", "db"}, {"type", "postgresql"}});
        ASSERT_EQ(s.status, 201) << s.body;
        service = place.project_path + "/services/" + std::string(s.json().at("id").as_string());
    }
    std::unique_ptr<FakeAgent> connect(bool can_read = true) {
        auto agent = std::make_unique<FakeAgent>(server->port(), place.agent_token);
        auto hello = test_hello();
        if (can_read) hello.capabilities.push_back("serviceCredentials");
        agent->send({"", hello});
        EXPECT_TRUE(agent->expect<sb::agent::Welcome>());
        agent->send({"", sb::agent::Snapshot{0, true, {}}});
        return agent;
    }
    HttpResult read(const ApiClient& client) const { return client.get(service + "/credentials"); }
    std::unique_ptr<TestServer> server;
    std::unique_ptr<ApiClient> admin;
    std::string team, service;
    ProjectOnCluster place;
};

TEST_P(ServiceCredentials, AreReadFromTheClusterAtEachRequestAndKeptNowhere) {
    sb::log::set_level(sb::log::Level::debug);
    ::testing::internal::CaptureStderr();
    auto agent = connect();
    for (int round = 0; round < 2; ++round) {
        auto answer = std::async(std::launch::async, [&] { return read(*admin); });
        auto ask = agent->expect<sb::agent::ReadServiceCredentials>(10s);
        ASSERT_TRUE(ask) << "the server did not ask the cluster";
        EXPECT_EQ(ask->second.namespace_, "shop");
        EXPECT_EQ(ask->second.service, "db");
        agent->send({"", sb::agent::ServiceCredentials{ask->first,
                                                       {{"HOST", "db.shop.svc.cluster.local"},
                                                        {"PORT", "5432"},
                                                        {"USERNAME", "shop"},
                                                        {"PASSWORD", kPassword},
                                                        {"DATABASE", "shop"},
                                                        {"DATABASE_URL", "postgres://shop:" + kPassword + "@db.shop.svc.cluster.local:5432/shop"}}}});
        auto result = answer.get();
        ASSERT_EQ(result.status, 200) << result.body;
        EXPECT_EQ(result.header("cache-control"), "no-store");
        auto body = result.json();
        EXPECT_EQ(body.at("host").as_string(), "db.shop.svc.cluster.local");
        EXPECT_EQ(body.at("port").as_string(), "5432");
        EXPECT_EQ(body.at("username").as_string(), "shop");
        EXPECT_EQ(body.at("password").as_string(), kPassword);
        EXPECT_EQ(body.at("database").as_string(), "shop");
        EXPECT_TRUE(body.at("url").as_string().starts_with("postgres://"));
        EXPECT_EQ(body.at("env").as_object().size(), 6u);
    }
    const auto log = ::testing::internal::GetCapturedStderr();
    sb::log::set_level(sb::log::Level::info);
    EXPECT_FALSE(log.empty()) << "the server's log was not captured";
    EXPECT_EQ(log.find(kPassword), std::string::npos) << "a credential in the server's log";
    for (const auto& row : server->storage().raw_query("SELECT * FROM services"))
        for (const auto& column : row) EXPECT_EQ(column.find(kPassword), std::string::npos) << "a credential at rest";
    auto audit = admin->get("/api/v1/teams/" + team + "/audit");
    EXPECT_NE(audit.body.find("service.credentials_read"), std::string::npos) << audit.body;
}

TEST_P(ServiceCredentials, OnlyDevelopersAndUpMayReadThem) {
    auto viewer = server->create_user(*admin, "viewer@example.test");
    ASSERT_EQ(admin->post("/api/v1/teams/" + team + "/members", json::object{{"email", "viewer@example.test"}, {"role", "viewer"}}).status,
              201);
    EXPECT_EQ(read(viewer).status, 403);
}

TEST_P(ServiceCredentials, AClusterAwayNotReadyOrTooOldIsNamed) {
    auto away = read(*admin);
    EXPECT_EQ(away.status, 503) << away.body;
    EXPECT_EQ(away.error_code(), "cluster_unavailable");
    {
        auto old = connect(false);
        auto too_old = read(*admin);
        EXPECT_EQ(too_old.status, 409) << too_old.body;
        EXPECT_NE(too_old.body.find("upgrade"), std::string::npos);
    }
    auto agent = connect();
    auto answer = std::async(std::launch::async, [&] { return read(*admin); });
    auto ask = agent->expect<sb::agent::ReadServiceCredentials>(10s);
    ASSERT_TRUE(ask);
    agent->send({"", sb::agent::Ack{ask->first, sb::agent::Error{sb::agent::ErrorCode::not_found,
                                                                 "the Service's connection Secret db-connection does not exist yet"}}});
    auto not_ready = answer.get();
    EXPECT_EQ(not_ready.status, 409) << not_ready.body;
    EXPECT_NE(not_ready.body.find("no credentials yet"), std::string::npos) << not_ready.body;
}

INSTANTIATE_TEST_SUITE_P(Backends, ServiceCredentials, ::testing::Values(Backend::sqlite, Backend::postgres),
                         [](const auto& info) { return backend_name(info.param); });

}  // namespace
}  // namespace sb::server::testing
