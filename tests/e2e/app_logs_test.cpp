// Issue 13's logs on the real node, through the server's REST API only (the
// node's API is only read): an app that prints a line every
// 200 ms, its logs followed live, a tail of N lines, one pod and all pods
// once it runs two. Prints the latency from a line printed to it arriving at
// the API client.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <boost/json.hpp>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <set>
#include <thread>

#include "tests/e2e/support/api_stack.hpp"

#if !defined(SB_E2E_OPERATOR) || !defined(SB_E2E_SERVER)
#error "SB_E2E_OPERATOR and SB_E2E_SERVER must be the paths of shapeblock-operator and shapeblock-server"
#endif

namespace sb::e2e {
namespace {
namespace json = boost::json;
using namespace std::chrono_literals;
using server::testing::HttpStream;
using ::testing::HasSubstr;
using Clock = std::chrono::steady_clock;

constexpr const char* kProject = "logbook";
constexpr const char* kApp = "ticker";

// Prints "tick <seconds since boot>" every 200 ms: the kernel's clock the
// test reads too (/proc/uptime, 10 ms steps), so a line's delay from print
// to arrival is measurable across the container boundary. httpd answers on
// 8080 for the pod's probes.
std::map<std::string, std::string> ticker_files(const std::string& base_image) {
    return {{"index.html", "ticker\n"},
            {"Dockerfile", "FROM " + base_image +
                               "\nCOPY index.html /www/index.html\n"
                               "CMD busybox httpd -p 8080 -h /www; "
                               "while :; do read up idle < /proc/uptime; echo \"tick $up\"; sleep 0.2; done\n"}};
}

double uptime_now() {
    std::ifstream in("/proc/uptime");
    double up = 0;
    in >> up;
    return up;
}

// The seconds since boot a "tick <s>" line (possibly "[pod] "-prefixed) carries.
std::optional<double> tick_of(const std::string& line) {
    auto at = line.find("tick ");
    if (at == std::string::npos) return std::nullopt;
    try {
        return std::stod(line.substr(at + 5));
    } catch (...) {
        return std::nullopt;
    }
}

std::vector<std::string> lines_of(const std::string& body) {
    std::vector<std::string> out;
    std::size_t start = 0;
    for (auto nl = body.find('\n'); nl != std::string::npos; start = nl + 1, nl = body.find('\n', start))
        out.push_back(body.substr(start, nl - start));
    return out;
}

class AppLogs : public ::testing::Test {
protected:
    static void SetUpTestSuite() { stack_ = std::make_unique<ApiStack>("logs", SB_E2E_SERVER, SB_E2E_OPERATOR); }
    static void TearDownTestSuite() { stack_.reset(); }
    static ApiStack& stack() { return *stack_; }
    static server::testing::ApiClient& admin() { return stack_->admin(); }
    static std::string app_path() { return stack_->team_path() + "/projects/" + project_ + "/apps/" + app_; }
    static std::string describe() { return stack_->describe(); }
    // The app's running pods' names.
    static std::vector<std::string> running_pods() {
        const auto pods = RealNode::shared().api().get("/api/v1/namespaces/" + std::string(kProject) +
                                                       "/pods?labelSelector=shapeblock.io%2Fapp%3D" + kApp);
        std::vector<std::string> names;
        for (const auto& pod : pods.at("items").as_array())
            if (string_at(pod, {"metadata", "labels", "shapeblock.io/build"}).empty() &&
                string_at(pod, {"status", "phase"}) == "Running" && pod.at("metadata").as_object().if_contains("deletionTimestamp") == nullptr)
                names.push_back(string_at(pod, {"metadata", "name"}));
        return names;
    }

    static std::unique_ptr<ApiStack> stack_;
    static std::string project_, app_;
};
std::unique_ptr<ApiStack> AppLogs::stack_;
std::string AppLogs::project_, AppLogs::app_;

// The tests run in order and build on each other.
TEST_F(AppLogs, TheTickerIsBuiltAndRuns) {
    stack().wait_connected(90s);
    const auto project =
        json_of(admin().post(stack().team_path() + "/projects", json::object{{"name", kProject}, {"clusterId", stack().cluster()}}), 201, "project");
    project_ = string_at(project, {"id"});
    stack().git().create_repository(kApp, GitServer::Access::public_);
    const auto commit = stack().git().commit(kApp, ticker_files(RealNode::shared().base_image_in_registry()), "a ticker");
    const auto app = json_of(admin().post(stack().team_path() + "/projects/" + project_ + "/apps",
                                          json::object{{"name", kApp},
                                                       {"git", json::object{{"url", stack().git().url(kApp)}, {"branch", "main"}}},
                                                       {"build", json::object{{"type", "dockerfile"}}}}),
                             201, "app");
    app_ = string_at(app, {"id"});
    json_of(admin().post(app_path() + "/builds", json::object{{"gitRef", commit}}), 201, "build");
    wait_until(
        "the ticker to run", 600s, [&] { return running_pods().size() == 1; }, [&] { return describe(); });
}

TEST_F(AppLogs, FollowedLinesArriveLiveWithTheirLatencyMeasured) {
    ASSERT_FALSE(app_.empty());
    HttpStream stream(stack().server().port(), app_path() + "/logs?follow=true&tail=1", admin().bearer);
    ASSERT_EQ(stream.status(), 200) << stream.body();
    EXPECT_EQ(stream.header("transfer-encoding"), "chunked");
    std::vector<double> latencies_ms;
    std::set<std::string> ticks;
    const auto start = Clock::now();
    // The first line is the tail (printed before the request): not measured.
    auto first = stream.next_line(15s);
    ASSERT_TRUE(first) << stream.body() << describe();
    while (latencies_ms.size() < 50) {
        auto line = stream.next_line(10s);
        ASSERT_TRUE(line) << "no new line within 10 s; so far:\n" << stream.body() << describe();
        const double arrived = uptime_now();
        auto printed = tick_of(*line);
        ASSERT_TRUE(printed) << *line;
        ticks.insert(*line);
        latencies_ms.push_back((arrived - *printed) * 1000.0);
    }
    const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
    // Live: 50 lines printed 200 ms apart take about 10 s to come, not at once.
    EXPECT_GT(elapsed, 8.0);
    EXPECT_EQ(ticks.size(), 50u) << "a line came twice";
    std::sort(latencies_ms.begin(), latencies_ms.end());
    auto at = [&](double q) { return latencies_ms[static_cast<std::size_t>(q * (latencies_ms.size() - 1))]; };
    std::cout << std::fixed << std::setprecision(0) << "timing logs: line printed -> at the API client over "
              << latencies_ms.size() << " lines (10 ms clock steps): p50 " << at(0.5) << " ms, p90 " << at(0.9)
              << " ms, max " << latencies_ms.back() << " ms" << std::endl;
    EXPECT_LT(at(0.5), 2000.0);
}

TEST_F(AppLogs, ATailOfNLinesEnds) {
    ASSERT_FALSE(app_.empty());
    const auto r = admin().get(app_path() + "/logs?tail=3");
    ASSERT_EQ(r.status, 200) << r.body;
    const auto lines = lines_of(r.body);
    ASSERT_EQ(lines.size(), 3u) << r.body;
    const auto pod = running_pods().at(0);
    for (const auto& line : lines) EXPECT_THAT(line, HasSubstr("[" + pod + "] tick ")) << r.body;
}

TEST_F(AppLogs, OnePodOrAllPodsOnceItRunsTwo) {
    ASSERT_FALSE(app_.empty());
    json_of(admin().post(app_path() + "/scale", json::object{{"replicas", 2}}), 200, "scaling to 2");
    std::vector<std::string> pods;
    wait_until(
        "two ticker pods", 180s, [&] { return (pods = running_pods()).size() == 2; }, [&] { return describe(); });
    // Each prints a line per 200 ms: after a second both have lines to tail.
    std::this_thread::sleep_for(1s);
    const auto all = admin().get(app_path() + "/logs?tail=2");
    ASSERT_EQ(all.status, 200) << all.body;
    EXPECT_EQ(lines_of(all.body).size(), 4u) << "2 lines of each pod:\n" << all.body;
    for (const auto& pod : pods) EXPECT_THAT(all.body, HasSubstr("[" + pod + "] tick ")) << all.body;
    const auto one = admin().get(app_path() + "/logs?tail=2&pod=" + pods[1]);
    ASSERT_EQ(one.status, 200) << one.body;
    const auto lines = lines_of(one.body);
    ASSERT_EQ(lines.size(), 2u) << one.body;
    for (const auto& line : lines) EXPECT_TRUE(line.starts_with("tick ")) << one.body;
    // Followed, both pods' lines interleave on one stream.
    HttpStream stream(stack().server().port(), app_path() + "/logs?follow=true&tail=0", admin().bearer);
    std::set<std::string> seen;
    for (int i = 0; i < 40 && seen.size() < 2; ++i) {
        auto line = stream.next_line(10s);
        ASSERT_TRUE(line) << stream.body();
        for (const auto& pod : pods)
            if (line->starts_with("[" + pod + "] ")) seen.insert(pod);
    }
    EXPECT_EQ(seen.size(), 2u) << stream.body();
    const auto missing = admin().get(app_path() + "/logs?pod=no-such-pod");
    EXPECT_THAT(missing.body, HasSubstr("log stream ended: no pod no-such-pod of App ticker")) << missing.body;
}

}  // namespace
}  // namespace sb::e2e
