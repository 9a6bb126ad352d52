// The agent link against the real server (SQLite and PostgreSQL), with the
// test playing the cluster's operator through the shared protocol codec:
// token checks, one connection per cluster, the desired state after connect
// and after API writes, status and build logs into the API and the event
// WebSocket, deletes that survive a disconnect, and hostile frames.
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <map>
#include <thread>

#include "common/json_fields.hpp"
#include "common/log.hpp"
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

// What the server sends for one app up to and including its App: the
// appSecrets (by purpose) before it, and the App.
struct AppMessages {
    std::map<std::string, sb::agent::AppSecret> secrets;
    std::optional<json::object> app;
};
AppMessages next_app(FakeAgent& agent) {
    AppMessages out;
    while (auto m = agent.receive(10s)) {
        if (auto* secret = std::get_if<sb::agent::AppSecret>(&m->body)) {
            EXPECT_FALSE(m->id.empty()) << "an appSecret expects an ack";
            out.secrets[secret->purpose] = *secret;
        } else if (auto* apply = std::get_if<sb::agent::Apply>(&m->body); apply && kind_of(*apply) == "App") {
            out.app = apply->object;
            return out;
        }
    }
    return out;
}

TEST_P(AgentLink, EnvAndCredentialsReachTheClusterAsSecretsAndTheAppOnlyReferencesThem) {
    const std::string value = "postgres://u:sekrit-env-value-31@db/shop";
    const std::string git_token = "ghp_sekrit-git-token-32";
    const std::string registry_password = "sekrit-registry-password-33";
    // Everything the server logs, down to debug, while the values pass through it.
    sb::log::set_level(sb::log::Level::debug);
    ::testing::internal::CaptureStderr();
    auto app = make_app();
    FakeAgent agent(server->port(), token);
    agent.handshake();
    auto first = next_app(agent);
    ASSERT_TRUE(first.app);
    ASSERT_EQ(first.secrets.size(), 3u) << "env, git and registry, before the App";
    for (const auto& [purpose, secret] : first.secrets) {
        EXPECT_EQ(secret.namespace_, "shop");
        EXPECT_EQ(secret.app, "web");
        EXPECT_TRUE(secret.data.empty()) << purpose << ": nothing to hold yet, so the Secret goes";
    }
    EXPECT_FALSE(first.app->at("spec").as_object().contains("env"));
    EXPECT_EQ(sb::get_string(*first.app, "spec.registry.secretName"), "registry-credentials");

    auto put = admin->put(app + "/env", json::object{{"env", {{"DATABASE_URL", value}, {"PLAIN", "1"}}}});
    ASSERT_EQ(put.status, 200) << put.body;
    auto after_put = next_app(agent);
    ASSERT_TRUE(after_put.app);
    ASSERT_TRUE(after_put.secrets.contains("env"));
    EXPECT_EQ(after_put.secrets["env"].data,
              (std::map<std::string, std::string>{{"DATABASE_URL", value}, {"PLAIN", "1"}}));
    const auto* env = sb::find_array(*after_put.app, "spec.env");
    ASSERT_TRUE(env);
    ASSERT_EQ(env->size(), 2u);
    for (const auto& entry : *env) {
        const auto& e = entry.as_object();
        EXPECT_FALSE(e.contains("value")) << json::serialize(e);
        EXPECT_EQ(sb::get_string(e, "valueFrom.secretKeyRef.name"), "web-env");
        EXPECT_EQ(sb::get_string(e, "valueFrom.secretKeyRef.key"), sb::get_string(e, "name"));
    }
    EXPECT_EQ(json::serialize(*after_put.app).find("sekrit"), std::string::npos);

    auto patch = admin->patch(app, json::object{{"git", {{"url", "https://example.test/web.git"}, {"token", git_token}}},
                                                {"registry", {{"url", "registry.example.test:5000/team"},
                                                              {"username", "robot"},
                                                              {"password", registry_password}}}});
    ASSERT_EQ(patch.status, 200) << patch.body;
    auto after_patch = next_app(agent);
    ASSERT_TRUE(after_patch.app);
    EXPECT_EQ(after_patch.secrets["git"].data, (std::map<std::string, std::string>{{"token", git_token}}));
    const auto docker = json::parse(after_patch.secrets["registry"].data[".dockerconfigjson"]);
    EXPECT_EQ(sb::get_string(docker.at("auths").at("registry.example.test:5000").as_object(), "password"), registry_password);
    EXPECT_EQ(sb::get_string(docker.at("auths").at("registry.example.test:5000").as_object(), "username"), "robot");
    EXPECT_EQ(sb::get_string(*after_patch.app, "spec.git.secretName"), "web-git");
    EXPECT_EQ(sb::get_string(*after_patch.app, "spec.registry.secretName"), "web-registry");
    EXPECT_EQ(json::serialize(*after_patch.app).find("sekrit"), std::string::npos);

    // After a reconnect the full desired state carries them again.
    FakeAgent again(server->port(), token);
    again.handshake();
    auto resent = next_app(again);
    ASSERT_TRUE(resent.app);
    EXPECT_EQ(resent.secrets["env"].data.at("DATABASE_URL"), value);
    EXPECT_EQ(resent.secrets["git"].data.at("token"), git_token);
    const auto* resent_env = sb::find_array(*resent.app, "spec.env");
    ASSERT_TRUE(resent_env);
    EXPECT_EQ(resent_env->size(), 2u);
    EXPECT_EQ(json::serialize(*resent.app).find("sekrit"), std::string::npos);

    // The API's app and its status show keys, never values; neither does the log.
    auto shown = admin->get(app);
    ASSERT_EQ(shown.status, 200);
    EXPECT_EQ(shown.body.find("sekrit"), std::string::npos) << shown.body;
    auto listed = admin->get(project + "/apps");
    EXPECT_EQ(listed.body.find("sekrit"), std::string::npos) << listed.body;
    const auto log = ::testing::internal::GetCapturedStderr();
    sb::log::set_level(sb::log::Level::warn);  // as the fixture has it
    EXPECT_NE(log.find("cluster connected"), std::string::npos) << "the server's log was not captured";
    EXPECT_EQ(log.find("sekrit"), std::string::npos) << "a value was logged";
}

TEST_P(AgentLink, AnEnvTooLargeForOneSecretIsRefusedByTheApi) {
    auto app = make_app();
    json::object env;
    for (int i = 0; i < 20; ++i) env["K" + std::to_string(i)] = std::string(30000, 'v');
    auto put = admin->put(app + "/env", json::object{{"env", env}});
    EXPECT_EQ(put.status, 400) << put.body;
    EXPECT_EQ(put.error_field(), "env");
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
