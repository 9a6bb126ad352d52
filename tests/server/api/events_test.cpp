// WebSocket events: fan-out to many subscribers, each event once and in
// order; a subscriber that stops reading is cut off and the others carry on.
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <thread>

#include "tests/server/fake_agent.hpp"
#include "tests/server/server_fixture.hpp"

namespace sb::server::testing {
namespace {
namespace json = boost::json;

class Events : public ::testing::TestWithParam<Backend> {
protected:
    void SetUp() override {
        server = std::make_unique<TestServer>(GetParam(), [](Config& c) { c.ws_queue_limit = 32; });
        admin = std::make_unique<ApiClient>(server->admin());
        team = server->default_team(*admin);
        auto c = admin->post("/api/v1/teams/" + team + "/clusters", json::object{{"name", "c"}}).json();
        agent_token = std::string(c.at("agentToken").as_string());
        auto p = admin->post("/api/v1/teams/" + team + "/projects",
                             json::object{{"name", "p"}, {"clusterId", c.at("id")}}).json();
        project = "/api/v1/teams/" + team + "/projects/" + std::string(p.at("id").as_string());
        auto a = admin->post(project + "/apps", json::object{{"name", "web"}}).json();
        app_id = std::string(a.at("id").as_string());
        app = project + "/apps/" + app_id;
    }
    std::unique_ptr<WsClient> subscribe(const std::string& topic) {
        auto ws = std::make_unique<WsClient>(server->port(), "/api/v1/teams/" + team + "/events", admin->bearer);
        ws->send(json::serialize(json::object{{"type", "subscribe"}, {"topic", topic}}));
        auto ack = ws->read();
        EXPECT_TRUE(ack.has_value());
        EXPECT_EQ(json::parse(*ack).at("type").as_string(), "subscribed") << *ack;
        return ws;
    }
    std::unique_ptr<TestServer> server;
    std::unique_ptr<ApiClient> admin;
    std::string team, project, app, app_id, agent_token;
};

TEST_P(Events, ManySubscribersReceiveEveryEventOnceInOrder) {
    std::vector<std::unique_ptr<WsClient>> subscribers;
    for (int i = 0; i < 8; ++i) subscribers.push_back(subscribe("app:" + app_id));
    std::vector<std::string> builds;
    for (int i = 0; i < 10; ++i) builds.emplace_back(admin->post(app + "/builds", json::object{}).json().at("id").as_string());
    for (auto& ws : subscribers) {
        std::int64_t last_seq = 0;
        for (const auto& id : builds) {
            auto msg = ws->read();
            ASSERT_TRUE(msg.has_value());
            auto v = json::parse(*msg);
            EXPECT_EQ(v.at("kind").as_string(), "build.created");
            EXPECT_EQ(v.at("data").at("id").as_string(), id);
            EXPECT_GT(v.at("seq").as_int64(), last_seq);
            last_seq = v.at("seq").as_int64();
        }
        EXPECT_FALSE(ws->read(std::chrono::milliseconds(200)).has_value());  // nothing more, no duplicates
    }
}

TEST_P(Events, SubscriptionsAreCheckedAgainstTheTeam) {
    auto ws = std::make_unique<WsClient>(server->port(), "/api/v1/teams/" + team + "/events", admin->bearer);
    ws->send(R"({"type":"subscribe","topic":"app:ffffffffffffffffffff"})");
    auto err = json::parse(*ws->read());
    EXPECT_EQ(err.at("type").as_string(), "error");
    EXPECT_EQ(err.at("error").at("code").as_string(), "not_found");
    ws->send(R"({"type":"subscribe","topic":"node:x"})");
    EXPECT_EQ(json::parse(*ws->read()).at("error").at("field").as_string(), "topic");
    ws->send(R"({"type":"subscribe","topic":"cluster:ffffffffffffffffffff"})");
    EXPECT_EQ(json::parse(*ws->read()).at("error").at("code").as_string(), "not_found");
    ws->send("not json");
    EXPECT_EQ(json::parse(*ws->read()).at("error").at("code").as_string(), "invalid_json");
    EXPECT_THROW(WsClient(server->port(), "/api/v1/teams/" + team + "/events", "sbp_wrong"), std::exception);
}

TEST_P(Events, StalledSubscriberIsCutOffOthersContinue) {
    auto build = std::string(admin->post(app + "/builds", json::object{}).json().at("id").as_string());
    auto stalled = subscribe("build:" + build);
    stalled->shrink_receive_buffer();
    auto reader = subscribe("build:" + build);
    const int batches = 200;  // 10 MB: more than the kernel buffers hold
    std::vector<std::string> received;
    std::thread drain([&] {
        while (static_cast<int>(received.size()) < batches) {
            auto m = reader->read(std::chrono::seconds(30));
            if (!m) break;
            if (json::parse(*m).at("kind") == "build.log") received.push_back(*m);
        }
    });
    // The build's cluster streams its log: 50 KB chunks, each an event.
    FakeAgent agent(server->port(), agent_token);
    agent.handshake();
    sb::agent::Status building{{"AppBuild", "p", "build-" + build}, "1", 1, {{"phase", "Building"}, {"podName", "pod"}}, false};
    agent.send({"", building});
    auto open = agent.expect<sb::agent::OpenLogs>();
    ASSERT_TRUE(open);
    std::string line = std::string(999, 'x') + "\n";
    std::string chunk;
    for (int i = 0; i < 50; ++i) chunk += line;
    for (int i = 0; i < batches; ++i) agent.send({"", sb::agent::LogChunk{open->second.stream_id, "pod", "build", chunk, false, ""}});
    drain.join();
    EXPECT_EQ(static_cast<int>(received.size()), batches);
    std::int64_t last = 0;
    for (const auto& m : received) {
        auto seq = json::parse(m).at("seq").as_int64();
        EXPECT_GT(seq, last);
        last = seq;
    }
    // The stalled client gets what fitted in the buffers, then the connection ends.
    int got = 0;
    stalled->grow_receive_buffer();
    while (stalled->read(std::chrono::seconds(10))) ++got;
    EXPECT_LT(got, batches);
    auto metrics = server->anonymous().get("/metrics").body;
    auto at = metrics.find("\nsb_events_subscribers_dropped_total ");
    ASSERT_NE(at, std::string::npos) << metrics;
    EXPECT_GE(std::stod(metrics.substr(at + 37)), 1.0);
}

INSTANTIATE_TEST_SUITE_P(Backends, Events, ::testing::Values(Backend::sqlite, Backend::postgres),
                         [](const auto& info) { return backend_name(info.param); });

}  // namespace
}  // namespace sb::server::testing
