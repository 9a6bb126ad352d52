// App and build logs through the API, with the test playing the cluster's
// operator: tail and follow as streamed responses (text and NDJSON), the
// operator stream closed when the client goes away, a disconnected cluster,
// bad parameters, roles, the stream limits and the event WebSocket's
// app-logs topics.
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <future>
#include <set>
#include <thread>

#include "tests/server/fake_agent.hpp"
#include "tests/server/server_fixture.hpp"

namespace sb::server::testing {
namespace {
namespace json = boost::json;
using namespace std::chrono_literals;
using sb::agent::LogChunk;

class Logs : public ::testing::TestWithParam<Backend> {
protected:
    void SetUp() override {
        server = std::make_unique<TestServer>(GetParam(), [](Config& c) {
            c.log_streams_per_user = 3;
            c.log_streams_per_cluster = 5;
        });
        admin = std::make_unique<ApiClient>(server->admin());
        team = server->default_team(*admin);
        auto licence = admin->put("/api/v1/licence", json::object{{"document", make_licence("multi", 10, 10)}});
        EXPECT_EQ(licence.status, 200) << licence.body;
        auto c = admin->post("/api/v1/teams/" + team + "/clusters", json::object{{"name", "edge"}}).json();
        cluster_token = std::string(c.at("agentToken").as_string());
        cluster_id = std::string(c.at("id").as_string());
        auto p = admin->post("/api/v1/teams/" + team + "/projects", json::object{{"name", "shop"}, {"clusterId", cluster_id}});
        EXPECT_EQ(p.status, 201) << p.body;
        project = "/api/v1/teams/" + team + "/projects/" + std::string(p.json().at("id").as_string());
        auto a = admin->post(project + "/apps", json::object{{"name", "web"}, {"git", {{"url", "https://example.test/web.git"}}}});
        EXPECT_EQ(a.status, 201) << a.body;
        app_id = std::string(a.json().at("id").as_string());
        app = project + "/apps/" + app_id;
    }
    // A connected operator, its desired state read.
    std::unique_ptr<FakeAgent> connect() {
        auto agent = std::make_unique<FakeAgent>(server->port(), cluster_token);
        agent->handshake();
        return agent;
    }
    // The next openLogs, acked.
    sb::agent::OpenLogs opened(FakeAgent& agent) {
        auto open = agent.expect<sb::agent::OpenLogs>();
        EXPECT_TRUE(open) << "no openLogs";
        if (!open) return {};
        agent.send({"", sb::agent::Ack{open->first, std::nullopt}});
        return open->second;
    }
    HttpResult get_async_while(const std::string& target, const std::function<void()>& operator_side,
                               std::map<std::string, std::string> headers = {}) {
        auto result = std::async(std::launch::async, [&] { return admin->request("GET", target, "", headers); });
        operator_side();
        return result.get();
    }
    std::unique_ptr<TestServer> server;
    std::unique_ptr<ApiClient> admin;
    std::string team, cluster_token, cluster_id, project, app_id, app;
};

TEST_P(Logs, TailOfAllPodsEndsAfterTheLastLineEachLinePrefixedWithItsPod) {
    auto agent = connect();
    auto result = get_async_while(app + "/logs?tail=2", [&] {
        auto open = opened(*agent);
        EXPECT_EQ(open.object, (sb::agent::ObjectRef{"App", "shop", "web"}));
        EXPECT_EQ(open.pod, "");
        EXPECT_FALSE(open.follow);
        EXPECT_EQ(open.tail_lines, 2);
        EXPECT_EQ(open.since_seconds, std::nullopt);
        agent->send({"", LogChunk{open.stream_id, "web-1", "web", "one\ntwo\n", false, ""}});
        agent->send({"", LogChunk{open.stream_id, "web-2", "web", "three\n", false, ""}});
        agent->send({"", LogChunk{open.stream_id, "", "", "", true, ""}});
    });
    EXPECT_EQ(result.status, 200) << result.body;
    EXPECT_EQ(result.header("content-type"), "text/plain; charset=utf-8");
    EXPECT_EQ(result.header("transfer-encoding"), "chunked");
    EXPECT_EQ(result.body, "[web-1] one\n[web-1] two\n[web-2] three\n");
}

TEST_P(Logs, OnePodAsNdjsonWithSince) {
    auto agent = connect();
    auto result = get_async_while(
        app + "/logs?pod=web-2&since=5m", [&] {
            auto open = opened(*agent);
            EXPECT_EQ(open.pod, "web-2");
            EXPECT_EQ(open.since_seconds, 300);
            agent->send({"", LogChunk{open.stream_id, "web-2", "web", "{\"level\":\"info\"}\nplain\n", false, ""}});
            agent->send({"", LogChunk{open.stream_id, "", "", "", true, ""}});
        },
        {{"Accept", "application/x-ndjson"}});
    EXPECT_EQ(result.status, 200) << result.body;
    EXPECT_EQ(result.header("content-type"), "application/x-ndjson");
    EXPECT_EQ(result.body, "{\"pod\":\"web-2\",\"container\":\"web\",\"line\":\"{\\\"level\\\":\\\"info\\\"}\"}\n"
                           "{\"pod\":\"web-2\",\"container\":\"web\",\"line\":\"plain\"}\n");
}

TEST_P(Logs, FollowSendsLinesAsTheyArriveAndClosesTheOperatorStreamWhenTheClientLeaves) {
    auto agent = connect();
    HttpStream stream(server->port(), app + "/logs?follow=true&tail=0", admin->bearer);
    auto open = opened(*agent);
    EXPECT_TRUE(open.follow);
    EXPECT_EQ(open.tail_lines, 0);
    EXPECT_EQ(stream.status(), 200);
    agent->send({"", LogChunk{open.stream_id, "web-1", "web", "first\n", false, ""}});
    ASSERT_TRUE(stream.read_until("[web-1] first\n")) << stream.body();
    agent->send({"", LogChunk{open.stream_id, "web-1", "web", "second\n", false, ""}});
    ASSERT_TRUE(stream.read_until("[web-1] second\n")) << stream.body();
    EXPECT_FALSE(stream.ended());
    stream.close();
    auto closed = agent->expect<sb::agent::CloseLogs>();
    ASSERT_TRUE(closed) << "no closeLogs after the client left";
    EXPECT_EQ(closed->second.stream_id, open.stream_id);
    // Lines the operator still had in flight go nowhere, and the slot is free again.
    agent->send({"", sb::agent::Ack{closed->first, std::nullopt}});
    agent->send({"", LogChunk{open.stream_id, "web-1", "web", "late\n", false, ""}});
    auto again = get_async_while(app + "/logs", [&] {
        auto next = opened(*agent);
        EXPECT_NE(next.stream_id, open.stream_id);
        agent->send({"", LogChunk{next.stream_id, "web-1", "web", "x\n", true, ""}});
    });
    EXPECT_EQ(again.body, "[web-1] x\n");
}

TEST_P(Logs, AFollowEndsWithTheOperatorsReasonOrWhenTheClusterDrops) {
    auto agent = connect();
    {
        HttpStream stream(server->port(), app + "/logs?follow=1", admin->bearer);
        auto open = opened(*agent);
        agent->send({"", LogChunk{open.stream_id, "", "", "", true, "App web has no pods"}});
        ASSERT_TRUE(stream.read_to_end()) << stream.body();
        EXPECT_EQ(stream.body(), "[shapeblock] log stream ended: App web has no pods\n");
    }
    HttpStream stream(server->port(), app + "/logs?follow=true", admin->bearer, {{"Accept", "application/x-ndjson"}});
    auto open = opened(*agent);
    agent->send({"", LogChunk{open.stream_id, "web-1", "web", "up\n", false, ""}});
    ASSERT_TRUE(stream.read_until("up")) << stream.body();
    agent.reset();  // the operator's connection drops
    ASSERT_TRUE(stream.read_to_end()) << stream.body();
    EXPECT_EQ(stream.body(), "{\"pod\":\"web-1\",\"container\":\"web\",\"line\":\"up\"}\n"
                             "{\"error\":\"the cluster's operator disconnected\"}\n");
}

TEST_P(Logs, AnOpenLogsTheOperatorRefusesEndsTheStreamWithItsMessage) {
    auto agent = connect();
    auto result = get_async_while(app + "/logs?follow=true", [&] {
        auto open = agent->expect<sb::agent::OpenLogs>();
        ASSERT_TRUE(open);
        agent->send({"", sb::agent::Ack{open->first, sb::agent::Error{sb::agent::ErrorCode::too_large,
                                                                       "at most 64 log streams may be open at once"}}});
    });
    EXPECT_EQ(result.status, 200);
    EXPECT_EQ(result.body, "[shapeblock] log stream ended: at most 64 log streams may be open at once\n");
}

TEST_P(Logs, ADisconnectedClusterOrNoClusterIsAClearErrorBeforeAnyStreaming) {
    auto r = admin->get(app + "/logs");
    EXPECT_EQ(r.status, 503) << r.body;
    EXPECT_EQ(r.error_code(), "cluster_unavailable");
    EXPECT_EQ(r.header("content-type"), "application/json");
    auto p = admin->post("/api/v1/teams/" + team + "/projects", json::object{{"name", "nowhere"}});
    ASSERT_EQ(p.status, 201);
    auto other = "/api/v1/teams/" + team + "/projects/" + std::string(p.json().at("id").as_string());
    auto a = admin->post(other + "/apps", json::object{{"name", "api"}, {"git", {{"url", "https://example.test/a.git"}}}});
    ASSERT_EQ(a.status, 201);
    auto none = admin->get(other + "/apps/" + std::string(a.json().at("id").as_string()) + "/logs");
    EXPECT_EQ(none.status, 409) << none.body;
    EXPECT_EQ(none.error_field(), "clusterId");
}

TEST_P(Logs, BadParametersAreRefusedNamingTheParameter) {
    auto agent = connect();  // connected: the parameters are the only thing wrong
    const std::vector<std::pair<std::string, std::string>> cases = {
        {"tail=-1", "tail"},           {"tail=ten", "tail"},         {"tail=100001", "tail"},
        {"follow=maybe", "follow"},    {"since=5x", "since"},        {"since=0s", "since"},
        {"since=2200-01-01T00:00:00Z", "since"}, {"since=", "since"}, {"pod=Web_1", "pod"},
        {"pod=-web", "pod"},           {"lines=5", "lines"}};
    for (const auto& [query, field] : cases) {
        auto r = admin->get(app + "/logs?" + query);
        EXPECT_EQ(r.status, 400) << query << ": " << r.body;
        EXPECT_EQ(r.error_field(), field) << query;
    }
    auto b = admin->get(app + "/builds/nope/logs?tail=5");
    EXPECT_EQ(b.status, 404);
}

TEST_P(Logs, ViewersReadLogsOtherTeamsDoNot) {
    auto agent = connect();
    std::string viewer_id;
    auto viewer = server->create_user(*admin, "viewer@example.test", &viewer_id);
    auto added = admin->post("/api/v1/teams/" + team + "/members", json::object{{"email", "viewer@example.test"}, {"role", "viewer"}});
    ASSERT_EQ(added.status, 201) << added.body;
    auto result = std::async(std::launch::async, [&] { return viewer.get(app + "/logs"); });
    auto open = opened(*agent);
    agent->send({"", LogChunk{open.stream_id, "web-1", "web", "hello\n", true, ""}});
    EXPECT_EQ(result.get().body, "[web-1] hello\n");
    auto outsider = server->create_user(*admin, "outsider@example.test");
    EXPECT_EQ(outsider.get(app + "/logs").status, 404);
    EXPECT_EQ(server->anonymous().get(app + "/logs").status, 401);
}

TEST_P(Logs, OpenStreamsAreLimitedPerUserAndPerCluster) {
    auto agent = connect();
    std::vector<std::unique_ptr<HttpStream>> streams;
    for (int i = 0; i < 3; ++i) {
        streams.push_back(std::make_unique<HttpStream>(server->port(), app + "/logs?follow=true", admin->bearer));
        opened(*agent);
    }
    auto refused = admin->get(app + "/logs?follow=true");
    EXPECT_EQ(refused.status, 429) << refused.body;
    EXPECT_EQ(refused.error_code(), "too_many_log_streams");
    EXPECT_NE(refused.body.find("per user"), std::string::npos) << refused.body;
    // Another user fills the cluster's limit (5).
    auto dev = server->create_user(*admin, "dev@example.test");
    auto added = admin->post("/api/v1/teams/" + team + "/members", json::object{{"email", "dev@example.test"}, {"role", "developer"}});
    ASSERT_EQ(added.status, 201) << added.body;
    for (int i = 0; i < 2; ++i) {
        streams.push_back(std::make_unique<HttpStream>(server->port(), app + "/logs?follow=true", dev.bearer));
        EXPECT_EQ(streams.back()->status(), 200);
        opened(*agent);
    }
    auto full = dev.get(app + "/logs?follow=true");
    EXPECT_EQ(full.status, 429) << full.body;
    EXPECT_NE(full.body.find("per cluster"), std::string::npos) << full.body;
    // A stream that ends frees its slot.
    streams.front()->close();
    ASSERT_TRUE(agent->expect<sb::agent::CloseLogs>());
    std::unique_ptr<HttpStream> next;
    for (int i = 0; i < 100 && !next; ++i) {  // the server notices the close asynchronously
        auto s = std::make_unique<HttpStream>(server->port(), app + "/logs?follow=true", admin->bearer);
        if (s->status() == 200) next = std::move(s);
        else std::this_thread::sleep_for(20ms);
    }
    ASSERT_TRUE(next);
    EXPECT_TRUE(opened(*agent).follow);
}

TEST_P(Logs, BuildLogsFollowTheStoredLogThenLiveLinesUntilTheLogEnds) {
    auto agent = connect();
    auto b = admin->post(app + "/builds", json::object{});
    ASSERT_EQ(b.status, 201);
    std::string build_id(b.json().at("id").as_string());
    sb::agent::ObjectRef ref{"AppBuild", "shop", "build-" + build_id};
    agent->send({"", sb::agent::Status{ref, "10", 1, {{"phase", "Building"}, {"podName", "build-pod"}}, false}});
    auto open = opened(*agent);
    agent->send({"", LogChunk{open.stream_id, "build-pod", "build", "Step 1\n", false, ""}});
    auto path = app + "/builds/" + build_id + "/logs";
    for (int i = 0; i < 200 && admin->get(path).body.empty(); ++i) std::this_thread::sleep_for(10ms);
    HttpStream stream(server->port(), path + "?follow=true", admin->bearer);
    ASSERT_TRUE(stream.read_until("Step 1\n")) << stream.body();
    agent->send({"", LogChunk{open.stream_id, "build-pod", "build", "Step 2\n", false, ""}});
    ASSERT_TRUE(stream.read_until("Step 2\n")) << stream.body();
    EXPECT_FALSE(stream.ended());
    agent->send({"", LogChunk{open.stream_id, "build-pod", "build", "Step 3\n", true, ""}});
    ASSERT_TRUE(stream.read_to_end()) << stream.body();
    EXPECT_EQ(stream.body(), "Step 1\nStep 2\nStep 3\n");
    // The build's log is whole now: a follow of it ends at once; NDJSON gives one object per line.
    agent->send({"", sb::agent::Status{ref, "11", 1, {{"phase", "Completed"}, {"podName", "build-pod"}}, false}});
    for (int i = 0; i < 200 && admin->get(app + "/builds/" + build_id).json().at("status").at("phase") != "Completed"; ++i)
        std::this_thread::sleep_for(10ms);
    HttpStream done(server->port(), path + "?follow=true", admin->bearer, {{"Accept", "application/x-ndjson"}});
    ASSERT_TRUE(done.read_to_end()) << done.body();
    EXPECT_EQ(done.body(), "{\"line\":\"Step 1\"}\n{\"line\":\"Step 2\"}\n{\"line\":\"Step 3\"}\n");
    EXPECT_EQ(admin->get(path).body, "Step 1\nStep 2\nStep 3\n");
}

TEST_P(Logs, TheEventWebSocketStreamsAppLogsUntilUnsubscribedOrClosed) {
    auto agent = connect();
    auto events = std::make_unique<WsClient>(server->port(), "/api/v1/teams/" + team + "/events", admin->bearer);
    auto send = [&](json::object m) { events->send(json::serialize(m)); };
    auto next = [&]() {
        auto m = events->read(5s);
        EXPECT_TRUE(m);
        return m ? json::parse(*m) : json::value();
    };
    // Bad options and other teams' apps are refused like the REST route's.
    send({{"type", "subscribe"}, {"topic", "app-logs:" + app_id}, {"tail", -3}});
    auto bad = next();
    EXPECT_EQ(bad.at("type"), "error");
    EXPECT_EQ(bad.at("error").at("field"), "tail");
    send({{"type", "subscribe"}, {"topic", "app-logs:someone-elses"}});
    EXPECT_EQ(next().at("error").at("code"), "not_found");
    send({{"type", "subscribe"}, {"topic", "app-logs:" + app_id}, {"tail", 10}, {"pod", "web-1"}});
    auto open = opened(*agent);
    EXPECT_TRUE(open.follow);
    EXPECT_EQ(open.tail_lines, 10);
    EXPECT_EQ(open.pod, "web-1");
    EXPECT_EQ(next().at("type"), "subscribed");
    agent->send({"", LogChunk{open.stream_id, "web-1", "web", "a\nb\n", false, ""}});
    for (const char* line : {"a", "b"}) {
        auto e = next();
        EXPECT_EQ(e.at("topic").as_string(), "app-logs:" + app_id);
        EXPECT_EQ(e.at("kind"), "app.log");
        EXPECT_EQ(e.at("data").at("pod"), "web-1");
        EXPECT_EQ(e.at("data").at("line"), line);
    }
    send({{"type", "unsubscribe"}, {"topic", "app-logs:" + app_id}});
    auto closed = agent->expect<sb::agent::CloseLogs>();
    ASSERT_TRUE(closed);
    EXPECT_EQ(closed->second.stream_id, open.stream_id);
    EXPECT_EQ(next().at("type"), "unsubscribed");
    // Subscribed again, the stream ends with the operator's reason, then again and the socket closes.
    send({{"type", "subscribe"}, {"topic", "app-logs:" + app_id}});
    auto second = opened(*agent);
    EXPECT_EQ(next().at("type"), "subscribed");
    agent->send({"", LogChunk{second.stream_id, "", "", "", true, "App web has no pods"}});
    auto end = next();
    EXPECT_EQ(end.at("kind"), "app.log.end");
    EXPECT_EQ(end.at("data").at("error"), "App web has no pods");
    send({{"type", "subscribe"}, {"topic", "app-logs:" + app_id}});
    auto third = opened(*agent);
    EXPECT_EQ(next().at("type"), "subscribed");
    events.reset();
    auto gone = agent->expect<sb::agent::CloseLogs>();
    ASSERT_TRUE(gone) << "no closeLogs after the WebSocket closed";
    EXPECT_EQ(gone->second.stream_id, third.stream_id);
}

TEST_P(Logs, TheOpenApiDocumentDescribesTheStreamedRoutes) {
    auto doc = server->anonymous().get("/api/v1/openapi.json").json();
    const auto& paths = doc.at("paths").as_object();
    for (const char* path : {"/api/v1/teams/{team}/projects/{project}/apps/{app}/logs",
                             "/api/v1/teams/{team}/projects/{project}/apps/{app}/builds/{build}/logs"}) {
        ASSERT_TRUE(paths.contains(path)) << path;
        const auto& get = paths.at(path).at("get").as_object();
        const auto& ok = get.at("responses").at("200").as_object();
        EXPECT_TRUE(ok.at("content").as_object().contains("text/plain")) << path;
        EXPECT_TRUE(ok.at("content").as_object().contains("application/x-ndjson")) << path;
        EXPECT_NE(json::serialize(ok).find("chunked"), std::string::npos) << path;
        EXPECT_TRUE(get.at("responses").as_object().contains("429")) << path;
        std::set<std::string> query;
        for (const auto& p : get.at("parameters").as_array())
            if (p.at("in") == "query") query.insert(std::string(p.at("name").as_string()));
        EXPECT_TRUE(query.contains("follow")) << path;
    }
    const auto& app_logs = paths.at("/api/v1/teams/{team}/projects/{project}/apps/{app}/logs").at("get");
    std::set<std::string> query;
    for (const auto& p : app_logs.at("parameters").as_array())
        if (p.at("in") == "query") query.insert(std::string(p.at("name").as_string()));
    EXPECT_EQ(query, (std::set<std::string>{"follow", "tail", "since", "pod"}));
}

INSTANTIATE_TEST_SUITE_P(Backends, Logs, ::testing::Values(Backend::sqlite, Backend::postgres),
                         [](const auto& info) { return backend_name(info.param); });

}  // namespace
}  // namespace sb::server::testing
