// The agent link against the real server (SQLite and PostgreSQL), with the
// test playing the cluster's operator through the shared protocol codec:
// token checks, one connection per cluster, the desired state after connect
// and after API writes, status and build logs into the API and the event
// WebSocket, deletes that survive a disconnect, and hostile frames.
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <thread>

#include "common/json_fields.hpp"
#include "tests/server/fake_agent.hpp"
#include "tests/server/server_fixture.hpp"

namespace sb::server::testing {
namespace {
namespace json = boost::json;
using namespace std::chrono_literals;

class AgentLink : public ::testing::TestWithParam<Backend> {
protected:
    void SetUp() override {
        server = std::make_unique<TestServer>(GetParam());
        admin = std::make_unique<ApiClient>(server->admin());
        team = server->default_team(*admin);
        auto licence = admin->put("/api/v1/licence", json::object{{"document", make_licence("multi", 10, 10)}});
        EXPECT_EQ(licence.status, 200) << licence.body;
        clusters = "/api/v1/teams/" + team + "/clusters";
        auto c = admin->post(clusters, json::object{{"name", "edge"}}).json();
        cluster_id = std::string(c.at("id").as_string());
        token = std::string(c.at("agentToken").as_string());
    }
    json::value cluster() const { return admin->get(clusters + "/" + cluster_id).json(); }
    // Waits until `ok` holds for the cluster as the API shows it.
    bool wait_cluster(const std::function<bool(const json::value&)>& ok) const {
        for (int i = 0; i < 200; ++i) {
            if (ok(cluster())) return true;
            std::this_thread::sleep_for(20ms);
        }
        return false;
    }
    // A project on the cluster with one app; returns the app's API path.
    std::string make_app(const std::string& project_name = "shop") {
        auto p = admin->post("/api/v1/teams/" + team + "/projects",
                             json::object{{"name", project_name}, {"clusterId", cluster_id}});
        EXPECT_EQ(p.status, 201) << p.body;
        project_id = std::string(p.json().at("id").as_string());
        project = "/api/v1/teams/" + team + "/projects/" + project_id;
        auto a = admin->post(project + "/apps",
                             json::object{{"name", "web"}, {"git", {{"url", "https://example.test/web.git"}}}});
        EXPECT_EQ(a.status, 201) << a.body;
        app_id = std::string(a.json().at("id").as_string());
        return project + "/apps/" + app_id;
    }
    std::unique_ptr<TestServer> server;
    std::unique_ptr<ApiClient> admin;
    std::string team, clusters, cluster_id, token, project, project_id, app_id;
};

std::string kind_of(const sb::agent::Apply& a) { return sb::get_string(a.object, "kind"); }

TEST_P(AgentLink, TokensAreCheckedAndTheClusterShowsItsConnection) {
    EXPECT_THROW(FakeAgent(server->port(), "sba_" + cluster_id + "_wrong"), std::exception);
    EXPECT_THROW(FakeAgent(server->port(), "sba_nope"), std::exception);
    EXPECT_THROW(FakeAgent(server->port(), admin->bearer), std::exception);  // a user's token is no agent token
    EXPECT_EQ(cluster().at("state").as_string(), "pending");
    {
        FakeAgent agent(server->port(), token);
        auto welcome = agent.handshake(cluster_id);
        EXPECT_EQ(welcome.protocol_version, 1);
        ASSERT_TRUE(wait_cluster([](const json::value& c) { return c.at("state").as_string() == "connected"; }));
        auto c = cluster();
        EXPECT_EQ(c.at("kubeVersion").as_string(), "v1.31.4");
        EXPECT_EQ(c.at("agentVersion").as_string(), "0.1.0-test");
        EXPECT_EQ(c.at("capacity").at("nodes").as_int64(), 3);
        EXPECT_EQ(c.at("capacity").at("allocatableCpuMillis").as_int64(), 6000);
        EXPECT_TRUE(c.at("lastSeenAt").is_string());
    }
    ASSERT_TRUE(wait_cluster([](const json::value& c) { return c.at("state").as_string() == "disconnected"; }));
    // State and versions belong to the operator: the API refuses to set them.
    auto patch = admin->patch(clusters + "/" + cluster_id, json::object{{"state", "connected"}});
    EXPECT_EQ(patch.status, 400);
    EXPECT_EQ(patch.error_field(), "state");
}

TEST_P(AgentLink, ASecondConnectionReplacesTheFirstAndARotatedTokenEndsIt) {
    FakeAgent first(server->port(), token);
    first.handshake();
    FakeAgent second(server->port(), token);
    second.handshake();
    EXPECT_FALSE(first.receive(5s).has_value());  // closed with 4000
    auto rotated = admin->post(clusters + "/" + cluster_id + "/agent-token", json::object{});
    ASSERT_EQ(rotated.status, 200) << rotated.body;
    EXPECT_FALSE(second.receive(5s).has_value());  // closed with 4003
    EXPECT_THROW(FakeAgent(server->port(), token), std::exception);
    FakeAgent third(server->port(), std::string(rotated.json().at("agentToken").as_string()));
    third.handshake();
}

TEST_P(AgentLink, DesiredStateIsSentAfterTheSnapshotAndAfterEachWrite) {
    auto app = make_app();
    auto svc = admin->post(project + "/services", json::object{{"name", "db"}, {"type", "postgresql"}});
    ASSERT_EQ(svc.status, 201) << svc.body;
    FakeAgent agent(server->port(), token);
    agent.send({"", test_hello()});
    ASSERT_TRUE(agent.expect<sb::agent::Welcome>());
    // Nothing is sent before the snapshot says what the cluster has: the
    // first apply below is the Project, not something sent earlier.
    agent.send({"", sb::agent::Snapshot{0, true, {}}});
    std::vector<std::string> kinds;
    for (int i = 0; i < 3; ++i) {
        auto apply = agent.expect<sb::agent::Apply>();
        ASSERT_TRUE(apply);
        kinds.push_back(kind_of(apply->second) + "/" + sb::get_string(apply->second.object, "metadata.name"));
        agent.send({"", sb::agent::Ack{apply->first, std::nullopt}});
    }
    EXPECT_EQ(kinds, (std::vector<std::string>{"Project/shop", "Service/db", "App/web"}));
    // A new build reaches the cluster at once.
    auto build = admin->post(app + "/builds", json::object{{"imageTag", "v7"}});
    ASSERT_EQ(build.status, 201) << build.body;
    std::string build_id(build.json().at("id").as_string());
    bool seen = false;
    while (auto apply = agent.expect<sb::agent::Apply>(5s)) {
        if (kind_of(apply->second) != "AppBuild") continue;
        EXPECT_EQ(sb::get_string(apply->second.object, "metadata.name"), "build-" + build_id);
        EXPECT_EQ(sb::get_string(apply->second.object, "metadata.namespace"), "shop");
        EXPECT_EQ(sb::get_string(apply->second.object, "spec.appName"), "web");
        EXPECT_EQ(sb::get_string(apply->second.object, "spec.imageTag"), "v7");
        seen = true;
        break;
    }
    EXPECT_TRUE(seen);
}

TEST_P(AgentLink, StatusAndBuildLogsReachTheApiAndTheEventWebSocket) {
    auto app = make_app();
    auto build = admin->post(app + "/builds", json::object{});
    ASSERT_EQ(build.status, 201);
    std::string build_id(build.json().at("id").as_string());
    auto path = app + "/builds/" + build_id;
    WsClient events(server->port(), "/api/v1/teams/" + team + "/events", admin->bearer);
    events.send(json::serialize(json::object{{"type", "subscribe"}, {"topic", "build:" + build_id}}));
    ASSERT_TRUE(events.read());
    FakeAgent agent(server->port(), token);
    agent.handshake();
    sb::agent::ObjectRef ref{"AppBuild", "shop", "build-" + build_id};
    sb::agent::Status building{ref, "10", 1, {{"phase", "Building"}, {"podName", "build-pod"},
                                              {"startTime", "2026-12-03T10:00:00Z"}}, false};
    agent.send({"", building});
    auto open = agent.expect<sb::agent::OpenLogs>();
    ASSERT_TRUE(open);
    EXPECT_EQ(open->second.object, ref);
    EXPECT_TRUE(open->second.follow);
    agent.send({"", sb::agent::Ack{open->first, std::nullopt}});
    agent.send({"", sb::agent::LogChunk{open->second.stream_id, "build-pod", "build", "Step 1/2 : FROM scratch\n", false, ""}});
    // The WebSocket sees the status change, then the log line, live.
    bool saw_status = false, saw_log = false;
    while (!(saw_status && saw_log)) {
        auto m = events.read(5s);
        ASSERT_TRUE(m) << "status " << saw_status << " log " << saw_log;
        auto v = json::parse(*m);
        if (v.at("kind") == "build.updated" && v.at("data").at("status").at("phase") == "Building") saw_status = true;
        if (v.at("kind") == "build.log") {
            EXPECT_EQ(v.at("data").at("data").as_string(), "Step 1/2 : FROM scratch\n");
            saw_log = true;
        }
    }
    agent.send({"", sb::agent::LogChunk{open->second.stream_id, "build-pod", "build", "Step 2/2 : done\n", true, ""}});
    sb::agent::Status completed{ref, "11", 1, {{"phase", "Completed"}, {"podName", "build-pod"},
                                               {"startTime", "2026-12-03T10:00:00Z"},
                                               {"completionTime", "2026-12-03T10:02:30Z"}}, false};
    agent.send({"", completed});
    json::value shown;
    for (int i = 0; i < 200; ++i) {
        shown = admin->get(path).json();
        if (shown.at("status").at("phase") == "Completed") break;
        std::this_thread::sleep_for(20ms);
    }
    EXPECT_EQ(shown.at("status").at("phase").as_string(), "Completed");
    EXPECT_EQ(shown.at("startedAt").as_string(), "2026-12-03T10:00:00.000Z");
    EXPECT_EQ(shown.at("finishedAt").as_string(), "2026-12-03T10:02:30.000Z");
    EXPECT_EQ(admin->get(path + "/logs").body, "Step 1/2 : FROM scratch\nStep 2/2 : done\n");
    // Build minutes are billed, from the cluster's start and completion times.
    auto usage = admin->get("/api/v1/teams/" + team + "/usage").body;
    EXPECT_NE(usage.find("build_minutes"), std::string::npos) << usage;
    // A finished build stays finished whatever is reported later.
    sb::agent::Status late{ref, "12", 1, {{"phase", "Building"}}, false};
    agent.send({"", late});
    std::this_thread::sleep_for(200ms);
    EXPECT_EQ(admin->get(path).json().at("status").at("phase").as_string(), "Completed");
    // Users cannot write a build's status or log any more.
    EXPECT_EQ(admin->patch(path, json::object{{"phase", "Failed"}}).status, 405);
    EXPECT_EQ(admin->post(path + "/logs", json::object{{"lines", json::array{"x"}}}).status, 405);
}

TEST_P(AgentLink, OneClustersAgentCannotTouchAnotherClustersRecords) {
    auto app = make_app();
    auto build = admin->post(app + "/builds", json::object{});
    std::string build_id(build.json().at("id").as_string());
    auto other = admin->post(clusters, json::object{{"name", "other"}}).json();
    FakeAgent intruder(server->port(), std::string(other.at("agentToken").as_string()));
    intruder.handshake();
    sb::agent::Status failed{{"AppBuild", "shop", "build-" + build_id}, "1", 1, {{"phase", "Failed"}}, false};
    intruder.send({"", failed});
    sb::agent::Status app_status{{"App", "shop", "web"}, "1", 1, {{"phase", "Running"}}, false};
    intruder.send({"", app_status});
    std::this_thread::sleep_for(300ms);
    EXPECT_EQ(admin->get(app + "/builds/" + build_id).json().at("status").at("phase").as_string(), "Pending");
    EXPECT_NE(admin->get(app).json().at("status").at("phase").as_string(), "Running");
    // Its own cluster's report does land.
    FakeAgent agent(server->port(), token);
    agent.handshake();
    agent.send({"", app_status});
    bool running = false;
    for (int i = 0; i < 200 && !running; ++i, std::this_thread::sleep_for(20ms))
        running = admin->get(app).json().at("status").at("phase").as_string() == "Running";
    EXPECT_TRUE(running);
}

TEST_P(AgentLink, ADeleteMadeWhileTheClusterIsAwayIsSentUntilConfirmed) {
    auto app = make_app();
    ASSERT_EQ(admin->del(app).status, 204);
    {
        FakeAgent agent(server->port(), token);
        agent.handshake();
        auto del = agent.expect<sb::agent::Delete>();
        ASSERT_TRUE(del);
        EXPECT_EQ(del->second.object, (sb::agent::ObjectRef{"App", "shop", "web"}));
        // Not acked: the connection ends first.
    }
    FakeAgent agent(server->port(), token);
    agent.handshake();
    auto again = agent.expect<sb::agent::Delete>();
    ASSERT_TRUE(again);
    agent.send({"", sb::agent::Ack{again->first, std::nullopt}});
    std::this_thread::sleep_for(300ms);
    FakeAgent later(server->port(), token);
    later.handshake();
    EXPECT_FALSE(later.expect<sb::agent::Delete>(500ms).has_value());
}

TEST_P(AgentLink, HostileFramesCloseTheConnectionNeverTheServer) {
    {
        FakeAgent agent(server->port(), token);
        agent.send_raw("not json");
        EXPECT_FALSE(agent.receive(5s).has_value());  // the first frame must be a hello
    }
    {
        FakeAgent agent(server->port(), token);
        auto hello = test_hello();
        hello.protocol_versions = {99};
        agent.send({"", hello});
        EXPECT_FALSE(agent.receive(5s).has_value());  // 4002: no common version
    }
    {
        FakeAgent agent(server->port(), token);
        agent.handshake();
        for (int i = 0; i < 10; ++i) agent.send_raw(R"({"v":1,"type":"apply","payload":{}})");  // a server-only type
        EXPECT_FALSE(agent.receive(5s).has_value());  // 4001 after ten
    }
    FakeAgent agent(server->port(), token);
    agent.handshake();
    EXPECT_EQ(server->anonymous().get("/healthz").status, 200);
}

INSTANTIATE_TEST_SUITE_P(Backends, AgentLink, ::testing::Values(Backend::sqlite, Backend::postgres),
                         [](const auto& info) { return backend_name(info.param); });

}  // namespace
}  // namespace sb::server::testing
