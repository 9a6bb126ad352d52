// Issue 12's flow on the real node, driven only through the server's REST
// API and its event WebSocket, as a user of ShapeBlock would: register the
// node as a cluster, connect the real operator to the real server with the
// agent token, create a project and an app from the test git server, build
// a commit while following the build log live, see the build finish and the
// app run, reach the app over HTTP, delete it. The node's API is only read
// (the app's pod IP, what is left after the delete), never written, once the
// cluster is installed.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <iomanip>
#include <iostream>

#include "tests/e2e/support/git_server.hpp"
#include "tests/e2e/support/helm_controller.hpp"
#include "tests/e2e/support/operator_process.hpp"
#include "tests/e2e/support/plain_http.hpp"
#include "tests/e2e/support/pods.hpp"
#include "tests/e2e/support/real_node.hpp"
#include "tests/e2e/support/server_process.hpp"
#include "tests/e2e/support/test_app.hpp"

#if !defined(SB_E2E_OPERATOR) || !defined(SB_E2E_SERVER)
#error "SB_E2E_OPERATOR and SB_E2E_SERVER must be the paths of shapeblock-operator and shapeblock-server"
#endif

namespace sb::e2e {
namespace {
namespace json = boost::json;
using namespace std::chrono_literals;
using server::testing::ApiClient;
using server::testing::HttpResult;
using server::testing::WsClient;
using ::testing::HasSubstr;
using Clock = std::chrono::steady_clock;

constexpr const char* kProject = "storefront";
constexpr const char* kApp = "web";
constexpr const char* kContent = "served-through-the-api";
// The RUN step prints what only running it can print: the Dockerfile says
// $((6 * 7)), its output says 42 (buildah echoes the step's text as well).
constexpr const char* kRunStep = "RUN echo run-step-output-$((6 * 7))\n";
constexpr const char* kRunOutput = "run-step-output-42";

double seconds_since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

json::value json_of(const HttpResult& r, int expected_status, const std::string& what) {
    if (r.status != expected_status)
        throw std::runtime_error(what + ": HTTP " + std::to_string(r.status) + " (expected " +
                                 std::to_string(expected_status) + "): " + r.body);
    return r.body.empty() ? json::value(nullptr) : r.json();
}

// What the event WebSocket delivered, in order of arrival.
struct Events {
    struct Event {
        std::string topic, kind;
        json::object data;
        Clock::time_point at;
    };
    std::vector<Event> all;
    std::string live_log;  // the data of every build.log event
    std::optional<Clock::time_point> first_log_at, build_finished_at, app_running_at;
    bool log_ended = false;
    std::string log_end_error;
    std::string build_phase, app_phase;

    void record(Event e) {
        if (e.kind == "build.log") {
            if (!first_log_at) first_log_at = e.at;
            live_log += string_at(e.data, {"data"});
        } else if (e.kind == "build.log.end") {
            log_ended = true;
            log_end_error = string_at(e.data, {"error"});
        } else if (e.kind == "build.updated") {
            build_phase = string_at(e.data, {"status", "phase"});
            if ((build_phase == "Completed" || build_phase == "Failed") && !build_finished_at) build_finished_at = e.at;
        } else if (e.kind == "app.status") {
            app_phase = string_at(e.data, {"status", "phase"});
            if (app_phase == "Running" && !app_running_at) app_running_at = e.at;
        }
        all.push_back(std::move(e));
    }

    bool has(const std::string& kind) const {
        return std::any_of(all.begin(), all.end(), [&](const Event& e) { return e.kind == kind; });
    }

    std::string kinds() const {
        std::string out;
        for (const auto& e : all) out += e.topic + " " + e.kind + (e.kind == "build.log" ? "" : " " + json::serialize(e.data)) + "\n";
        return out;
    }
};

class ApiFlow : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        const auto start = Clock::now();
        auto& node = RealNode::shared();
        git_ = std::make_unique<GitServer>(node.work_dir() / "git", node.bridge_address());
        helm_ = std::make_unique<HelmControllerStandIn>(node);
        install_registry_credentials(node.api());
        server_ = std::make_unique<ServerProcess>(SB_E2E_SERVER, node.work_dir() / "server");
        admin_ = std::make_unique<ApiClient>(server_->admin());
        team_ = string_at(json_of(admin_->get("/api/v1/teams"), 200, "listing teams").at("items").at(0), {"id"});

        const auto registered = json_of(admin_->post(teams() + "/clusters", json::object{{"name", "e2e-node"}}), 201,
                                        "registering the cluster");
        cluster_ = string_at(registered, {"id"});
        agent_token_ = string_at(registered, {"agentToken"});
        operator_ = std::make_unique<OperatorProcess>(
            node, SB_E2E_OPERATOR,
            std::vector<std::string>{"--server-url=" + server_->url(), "--cluster-id=" + cluster_},
            std::map<std::string, std::string>{{"SB_OPERATOR_AGENT_TOKEN", agent_token_}});
        std::cout << std::fixed << std::setprecision(1) << "timing setup: node " << node.bring_up_time().count() / 1000.0
                  << " s; node, git server, helm stand-in, server, cluster registered, operator started "
                  << seconds_since(start) << " s" << std::endl;
    }

    static void TearDownTestSuite() {
        ws_.reset();
        operator_.reset();
        server_.reset();
        helm_.reset();
        git_.reset();
        admin_.reset();
    }

    static std::string teams() { return "/api/v1/teams/" + team_; }
    static std::string cluster_path() { return teams() + "/clusters/" + cluster_; }
    static std::string project_path() { return teams() + "/projects/" + project_; }
    static std::string app_path() { return project_path() + "/apps/" + app_; }
    static std::string build_path() { return app_path() + "/builds/" + build_; }

    static std::string describe() {
        return "\noperator log:\n" + operator_->log_tail(4000) + "\nserver log:\n" + server_->log_tail(4000);
    }

    static std::unique_ptr<WsClient> open_events() {
        return std::make_unique<WsClient>(server_->port(), teams() + "/events", admin_->bearer);
    }

    // Sends a subscribe request and reads until it is confirmed; events
    // read meanwhile are recorded.
    static void subscribe(WsClient& ws, const std::string& topic) {
        ws.send(json::serialize(json::object{{"type", "subscribe"}, {"topic", topic}}));
        bool confirmed = false;
        read_events(ws, Clock::now() + 10s, [&] { return confirmed; }, [&](const json::object& message) {
            if (string_at(message, {"type"}) == "error")
                throw std::runtime_error("subscribing to " + topic + ": " + json::serialize(message));
            confirmed = string_at(message, {"type"}) == "subscribed" && string_at(message, {"topic"}) == topic;
        });
    }

    // Reads the event WebSocket, recording its events, until `done` or the deadline.
    static void read_events(WsClient& ws, Clock::time_point deadline, const std::function<bool()>& done,
                            const std::function<void(const json::object&)>& on_message = {}) {
        while (!done()) {
            const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
            if (left <= 0ms) throw std::runtime_error("timed out waiting on the event WebSocket; events so far:\n" + events_.kinds());
            // A timed-out read ends the connection (WsClient): wait the whole remaining time.
            const auto text = ws.read(left);
            if (!text) throw std::runtime_error("the event WebSocket ended or timed out; events so far:\n" + events_.kinds());
            const auto message = json::parse(*text).as_object();
            if (string_at(message, {"type"}) == "event")
                events_.record({string_at(message, {"topic"}), string_at(message, {"kind"}),
                                message.at("data").as_object(), Clock::now()});
            if (on_message) on_message(message);
        }
    }

    static std::string base() { return RealNode::shared().base_image_in_registry(); }

    static std::unique_ptr<GitServer> git_;
    static std::unique_ptr<HelmControllerStandIn> helm_;
    static std::unique_ptr<ServerProcess> server_;
    static std::unique_ptr<ApiClient> admin_;
    static std::unique_ptr<OperatorProcess> operator_;
    static std::unique_ptr<WsClient> ws_;
    static Events events_;
    static std::string team_, cluster_, project_, app_, build_, commit_, agent_token_;
};
std::unique_ptr<GitServer> ApiFlow::git_;
std::unique_ptr<HelmControllerStandIn> ApiFlow::helm_;
std::unique_ptr<ServerProcess> ApiFlow::server_;
std::unique_ptr<ApiClient> ApiFlow::admin_;
std::unique_ptr<OperatorProcess> ApiFlow::operator_;
std::unique_ptr<WsClient> ApiFlow::ws_;
Events ApiFlow::events_;
std::string ApiFlow::team_, ApiFlow::cluster_, ApiFlow::project_, ApiFlow::app_, ApiFlow::build_, ApiFlow::commit_,
    ApiFlow::agent_token_;

// The tests run in order (gtest keeps declaration order) and build on each other.
TEST_F(ApiFlow, TheRegisteredClusterConnectsWithItsAgentToken) {
    const auto start = Clock::now();
    json::value cluster;
    wait_until(
        "the cluster to be connected", 90s,
        [&] {
            if (!operator_->running()) throw WaitAborted("shapeblock-operator exited:" + describe());
            cluster = json_of(admin_->get(cluster_path()), 200, "showing the cluster");
            return string_at(cluster, {"state"}) == "connected";
        },
        [&] { return json::serialize(cluster) + describe(); });
    std::cout << std::fixed << std::setprecision(1) << "timing connect: operator start -> cluster connected "
              << seconds_since(start) << " s" << std::endl;
    EXPECT_THAT(string_at(cluster, {"kubeVersion"}), HasSubstr("v1."));
    EXPECT_FALSE(string_at(cluster, {"agentVersion"}).empty());
    EXPECT_EQ(cluster.at("capacity").at("nodes"), json::value(1)) << json::serialize(cluster);
    EXPECT_THAT(json::serialize(cluster.at("capabilities")), HasSubstr("\"logs\"")) << json::serialize(cluster);
}

TEST_F(ApiFlow, ACommitIsBuiltWithALiveLogThenDeployedAndServed) {
    ASSERT_FALSE(cluster_.empty());
    ws_ = open_events();
    const auto project = json_of(admin_->post(teams() + "/projects", json::object{{"name", kProject}, {"clusterId", cluster_}}),
                                 201, "creating the project");
    project_ = string_at(project, {"id"});
    subscribe(*ws_, "project:" + project_);

    git_->create_repository(kApp, GitServer::Access::public_);
    commit_ = git_->commit(kApp, test_app_files(base(), kContent, kRunStep), "the app, built through the API");
    const auto app = json_of(admin_->post(project_path() + "/apps",
                                          json::object{{"name", kApp},
                                                       {"git", json::object{{"url", git_->url(kApp)}, {"branch", "main"}}},
                                                       {"build", json::object{{"type", "dockerfile"}}}}),
                             201, "creating the app");
    app_ = string_at(app, {"id"});
    subscribe(*ws_, "app:" + app_);

    const auto build_started = Clock::now();
    const auto build = json_of(admin_->post(app_path() + "/builds", json::object{{"gitRef", commit_}}), 201, "starting a build");
    build_ = string_at(build, {"id"});
    EXPECT_EQ(string_at(build, {"status", "phase"}), "Pending");
    subscribe(*ws_, "build:" + build_);

    // Follow the build on the event WebSocket until it finished and its log stream ended.
    try {
        read_events(*ws_, Clock::now() + 420s, [&] { return events_.build_finished_at && events_.log_ended; });
    } catch (const std::exception& e) {
        FAIL() << e.what() << "\nlog so far:\n" << events_.live_log << describe();
    }
    ASSERT_EQ(events_.build_phase, "Completed") << events_.kinds() << "\nlog:\n" << events_.live_log << describe();
    EXPECT_TRUE(events_.log_end_error.empty()) << events_.log_end_error;
    // Live: the log came while the build ran, not in one piece at its end.
    ASSERT_TRUE(events_.first_log_at.has_value()) << "no build.log event\n" << events_.kinds() << describe();
    EXPECT_LT(*events_.first_log_at, *events_.build_finished_at) << events_.kinds();
    // The clone step's line, buildah's own output and the RUN step's output.
    EXPECT_THAT(events_.live_log, HasSubstr("shapeblock: cloned " + commit_));
    EXPECT_THAT(events_.live_log, HasSubstr("STEP 1/"));
    EXPECT_THAT(events_.live_log, HasSubstr(kRunOutput));
    std::cout << std::fixed << std::setprecision(1) << "timing build: created -> first log line "
              << std::chrono::duration<double>(*events_.first_log_at - build_started).count()
              << " s, -> Completed " << std::chrono::duration<double>(*events_.build_finished_at - build_started).count()
              << " s; " << std::count(events_.live_log.begin(), events_.live_log.end(), '\n') << " log lines live:\n"
              << events_.live_log << std::endl;

    // The API agrees, and keeps the whole log.
    const auto finished = json_of(admin_->get(build_path()), 200, "showing the build");
    EXPECT_EQ(string_at(finished, {"status", "phase"}), "Completed") << json::serialize(finished);
    EXPECT_FALSE(finished.at("startedAt").is_null()) << json::serialize(finished);
    EXPECT_FALSE(finished.at("finishedAt").is_null()) << json::serialize(finished);
    const auto stored_log = admin_->get(build_path() + "/logs");
    ASSERT_EQ(stored_log.status, 200) << stored_log.body;
    EXPECT_EQ(stored_log.body, events_.live_log) << "the stored log is what was streamed live";

    // Deployed: the app's status comes to Running (event and API).
    try {
        read_events(*ws_, Clock::now() + 240s, [&] { return events_.app_running_at.has_value(); });
    } catch (const std::exception& e) {
        FAIL() << e.what() << describe();
    }
    const auto running = json_of(admin_->get(app_path()), 200, "showing the app");
    EXPECT_EQ(string_at(running, {"status", "phase"}), "Running") << json::serialize(running);

    // And it answers HTTP on its pod's IP with the content of the commit.
    auto api = RealNode::shared().api();
    std::string last;
    wait_until(
        "the app to serve the commit's content", 120s,
        [&] {
            const auto pods = api.get("/api/v1/namespaces/" + std::string(kProject) +
                                      "/pods?labelSelector=shapeblock.io%2Fapp%3D" + kApp);
            for (const auto& pod : pods.at("items").as_array()) {
                const auto ip = string_at(pod, {"status", "podIP"});
                if (ip.empty() || !string_at(pod, {"metadata", "labels", "shapeblock.io/build"}).empty()) continue;
                const auto answer = http_get(ip, kTestAppPort, "/");
                last = std::to_string(answer.status) + " " + answer.body + answer.error;
                if (answer.status == 200 && answer.body == std::string(kContent) + "\n") return true;
            }
            return false;
        },
        [&] { return "last answer: " + last + describe(); });
    std::cout << std::fixed << std::setprecision(1) << "timing deploy: build created -> app Running "
              << std::chrono::duration<double>(*events_.app_running_at - build_started).count()
              << " s, -> HTTP 200 with the commit's content " << seconds_since(build_started) << " s" << std::endl;
}

TEST_F(ApiFlow, TheDeletedAppIsGoneFromTheApiAndTheCluster) {
    ASSERT_FALSE(app_.empty());
    const auto start = Clock::now();
    const auto deleted = admin_->del(app_path());
    ASSERT_EQ(deleted.status, 204) << deleted.body;
    EXPECT_EQ(admin_->get(app_path()).status, 404);
    EXPECT_EQ(admin_->get(build_path()).status, 404) << "the app's builds go with it";
    const auto apps = json_of(admin_->get(project_path() + "/apps"), 200, "listing apps");
    EXPECT_TRUE(apps.at("items").as_array().empty()) << json::serialize(apps);
    try {
        read_events(*ws_, Clock::now() + 10s, [&] { return events_.has("app.deleted"); });
    } catch (const std::exception& e) {
        ADD_FAILURE() << e.what();
    }

    // The operator got the delete: the App and its release go, then its pods
    // (after their termination grace period: the test app's shell ignores SIGTERM).
    auto api = RealNode::shared().api();
    const std::string ns = kProject;
    auto describe_cluster = [&] {
        return json::serialize(api.get("/api/v1/namespaces/" + ns + "/pods")) + "\nhelm stand-in:\n" + helm_->log_tail() +
               describe();
    };
    wait_until(
        "the App and its HelmChart to be gone from the cluster", 120s,
        [&] {
            return !api.try_get("/apis/apps.shapeblock.io/v1alpha1/namespaces/" + ns + "/apps/" + kApp) &&
                   !api.try_get("/apis/helm.cattle.io/v1/namespaces/" + ns + "/helmcharts/" + kApp);
        },
        describe_cluster);
    const double release_gone = seconds_since(start);
    wait_until(
        "the app's pods to be gone", 120s,
        [&] {
            const auto pods = api.get("/api/v1/namespaces/" + ns + "/pods?labelSelector=shapeblock.io%2Fapp%3D" + kApp);
            for (const auto& pod : pods.at("items").as_array())
                if (string_at(pod, {"metadata", "labels", "shapeblock.io/build"}).empty()) return false;
            return true;
        },
        describe_cluster);
    std::cout << std::fixed << std::setprecision(1) << "timing delete: DELETE -> App and HelmChart gone " << release_gone
              << " s, -> its pods gone " << seconds_since(start) << " s" << std::endl;
}

TEST_F(ApiFlow, NoSecretValueAppearsInEitherProcessLog) {
    const auto everything = std::string::npos;
    const std::string logs = server_->log_tail(everything) + operator_->log_tail(everything);
    ASSERT_FALSE(logs.empty());
    const std::map<std::string, std::string> secrets{{"the admin password", server_->admin_password()},
                                                     {"the admin's API token", admin_->bearer},
                                                     {"the cluster's agent token", agent_token_}};
    for (const auto& [what, value] : secrets) {
        ASSERT_GE(value.size(), 16u) << what;
        EXPECT_EQ(logs.find(value), std::string::npos) << what << " appears in a log";
    }
}

}  // namespace
}  // namespace sb::e2e
