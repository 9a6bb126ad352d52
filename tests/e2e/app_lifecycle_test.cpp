// Issue 13 on the real node, through the server's REST API only (the node's
// API is only read): two versions of an app built and deployed, the app
// scaled from 1 to 3 pods and back, restarted (every pod replaced), a third
// version built by a signed GitLab push delivery to the app's webhook, and a
// rollback to the first version's release, which then answers HTTP again.
// Prints the time from POST .../scale to all new pods ready, from the webhook
// delivery to the build pod running, and from POST .../rollback to the old
// version answering.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <iomanip>
#include <algorithm>
#include <iostream>
#include <map>
#include <set>

#include "tests/e2e/support/api_stack.hpp"
#include "tests/e2e/support/plain_http.hpp"
#include "tests/e2e/support/test_app.hpp"

#if !defined(SB_E2E_OPERATOR) || !defined(SB_E2E_SERVER)
#error "SB_E2E_OPERATOR and SB_E2E_SERVER must be the paths of shapeblock-operator and shapeblock-server"
#endif

namespace sb::e2e {
namespace {
namespace json = boost::json;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

constexpr const char* kProject = "lifecycle";
constexpr const char* kApp = "versions";
constexpr const char* kFirst = "version-one";
constexpr const char* kSecond = "version-two";
constexpr const char* kThird = "version-three";

double seconds_since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

struct AppPod {
    std::string name, ip;
    bool ready = false;
};

class AppLifecycle : public ::testing::Test {
protected:
    static void SetUpTestSuite() { stack_ = std::make_unique<ApiStack>("lifecycle", SB_E2E_SERVER, SB_E2E_OPERATOR); }
    static void TearDownTestSuite() { stack_.reset(); }
    static ApiStack& stack() { return *stack_; }
    static server::testing::ApiClient& admin() { return stack_->admin(); }
    static std::string app_path() { return stack_->team_path() + "/projects/" + project_ + "/apps/" + app_; }
    static std::string describe() { return stack_->describe(); }
    // The app's pods that run and are not being deleted (build pods excluded).
    static std::vector<AppPod> app_pods() {
        const auto pods = RealNode::shared().api().get("/api/v1/namespaces/" + std::string(kProject) +
                                                       "/pods?labelSelector=shapeblock.io%2Fapp%3D" + kApp);
        std::vector<AppPod> out;
        for (const auto& pod : pods.at("items").as_array()) {
            if (!string_at(pod, {"metadata", "labels", "shapeblock.io/build"}).empty()) continue;
            if (pod.at("metadata").as_object().if_contains("deletionTimestamp")) continue;
            if (string_at(pod, {"status", "phase"}) != "Running") continue;
            AppPod p{string_at(pod, {"metadata", "name"}), string_at(pod, {"status", "podIP"})};
            if (const auto* conditions = pod.at("status").as_object().if_contains("conditions"))
                for (const auto& c : conditions->as_array())
                    if (string_at(c, {"type"}) == "Ready") p.ready = string_at(c, {"status"}) == "True";
            out.push_back(std::move(p));
        }
        return out;
    }
    // Exactly `count` ready pods, every one answering `content`.
    static bool serving(std::size_t count, const std::string& content, std::string& last) {
        const auto pods = app_pods();
        last = std::to_string(pods.size()) + " pods";
        if (pods.size() != count) return false;
        for (const auto& pod : pods) {
            if (!pod.ready || pod.ip.empty()) return false;
            const auto answer = http_get(pod.ip, kTestAppPort, "/");
            last = pod.name + ": " + std::to_string(answer.status) + " " + answer.body + answer.error;
            if (answer.status != 200 || answer.body != content + "\n") return false;
        }
        return true;
    }
    static void wait_serving(std::size_t count, const std::string& content, std::chrono::seconds timeout) {
        std::string last;
        wait_until(
            std::to_string(count) + " pods serving " + content, timeout, [&] { return serving(count, content, last); },
            [&] { return "last: " + last + describe(); });
    }
    // A build pod of the app in the Running phase.
    static bool build_pod_running() {
        const auto pods = RealNode::shared().api().get("/api/v1/namespaces/" + std::string(kProject) +
                                                       "/pods?labelSelector=shapeblock.io%2Fbuild");
        for (const auto& pod : pods.at("items").as_array())
            if (string_at(pod, {"status", "phase"}) == "Running") return true;
        return false;
    }
    static std::int64_t newest_release() {
        return json_of(admin().get(app_path()), 200, "showing the app").at("release").to_number<std::int64_t>();
    }
    // Builds `commit` through the API and waits until one pod serves `content`.
    static void build_and_serve(const std::string& commit, const std::string& content) {
        json_of(admin().post(app_path() + "/builds", json::object{{"gitRef", commit}}), 201, "starting a build");
        wait_serving(1, content, 600s);
    }

    static std::unique_ptr<ApiStack> stack_;
    static std::string project_, app_;
    static std::int64_t first_release_;
};
std::unique_ptr<ApiStack> AppLifecycle::stack_;
std::string AppLifecycle::project_, AppLifecycle::app_;
std::int64_t AppLifecycle::first_release_ = 0;

// The tests run in order and build on each other.
TEST_F(AppLifecycle, TwoVersionsAreReleasedOneAfterTheOther) {
    stack().wait_connected(90s);
    project_ = string_at(json_of(admin().post(stack().team_path() + "/projects", json::object{{"name", kProject}, {"clusterId", stack().cluster()}}),
                                 201, "creating the project"),
                         {"id"});
    stack().git().create_repository(kApp, GitServer::Access::public_);
    const auto base = RealNode::shared().base_image_in_registry();
    const auto first = stack().git().commit(kApp, test_app_files(base, kFirst), "version one");
    app_ = string_at(json_of(admin().post(stack().team_path() + "/projects/" + project_ + "/apps",
                                          json::object{{"name", kApp},
                                                       {"git", json::object{{"url", stack().git().url(kApp)}, {"branch", "main"}}},
                                                       {"build", json::object{{"type", "dockerfile"}}}}),
                             201, "creating the app"),
                     {"id"});
    build_and_serve(first, kFirst);
    wait_until("the first build's release", 60s, [&] { return newest_release() >= 1; });
    first_release_ = newest_release();

    const auto second = stack().git().commit(kApp, test_app_files(base, kSecond), "version two");
    build_and_serve(second, kSecond);
    wait_until("the second build's release", 60s, [&] { return newest_release() > first_release_; });
    const auto releases = json_of(admin().get(app_path() + "/releases"), 200, "listing releases").at("items").as_array();
    ASSERT_GE(releases.size(), 2u);
    EXPECT_EQ(string_at(releases.at(0), {"kind"}), "build");
    EXPECT_NE(string_at(releases.at(0), {"image"}), string_at(releases.at(1), {"image"}));
}

TEST_F(AppLifecycle, ScalesFromOneToThreePodsAndBack) {
    ASSERT_FALSE(app_.empty());
    const auto start = Clock::now();
    json_of(admin().post(app_path() + "/scale", json::object{{"replicas", 3}}), 200, "scaling to 3");
    wait_serving(3, kSecond, 180s);
    const double up = seconds_since(start);
    const auto app = json_of(admin().get(app_path()), 200, "showing the app");
    EXPECT_EQ(app.at("replicas").to_number<std::int64_t>(), 3);

    const auto down_start = Clock::now();
    json_of(admin().post(app_path() + "/scale", json::object{{"replicas", 1}}), 200, "scaling to 1");
    wait_serving(1, kSecond, 180s);
    std::cout << std::fixed << std::setprecision(1) << "timing scale: POST scale 1 -> 3 to all 3 pods ready and serving "
              << up << " s; 3 -> 1 to one pod left " << seconds_since(down_start) << " s" << std::endl;
}

TEST_F(AppLifecycle, RestartReplacesEveryPod) {
    ASSERT_FALSE(app_.empty());
    std::set<std::string> before;
    for (const auto& pod : app_pods()) before.insert(pod.name);
    ASSERT_EQ(before.size(), 1u);
    json_of(admin().post(app_path() + "/restart", json::object{}), 200, "restarting");
    std::string last;
    wait_until(
        "a new pod serving after the restart", 180s,
        [&] {
            if (!serving(1, kSecond, last)) return false;
            return !before.contains(app_pods().at(0).name);
        },
        [&] { return "last: " + last + describe(); });
}

// GitLab's push delivery as documented (the token header carries the secret),
// for `commit` on main of the app's repository.
TEST_F(AppLifecycle, AWebhookPushBuildsThePushedCommit) {
    ASSERT_FALSE(app_.empty());
    const auto hook = json_of(admin().post(app_path() + "/webhook", json::object{}), 201, "creating the webhook");
    const std::string url = string_at(hook, {"url"});
    const auto target = url.substr(url.find("/api/v1/hooks/"));
    const auto commit =
        stack().git().commit(kApp, test_app_files(RealNode::shared().base_image_in_registry(), kThird), "version three");
    const json::object delivery{{"object_kind", "push"},
                                {"event_name", "push"},
                                {"before", "0000000000000000000000000000000000000000"},
                                {"after", commit},
                                {"ref", "refs/heads/main"},
                                {"checkout_sha", commit},
                                {"project", json::object{{"git_http_url", stack().git().url(kApp)}}},
                                {"commits", json::array{}}};
    const std::map<std::string, std::string> headers{{"X-Gitlab-Event", "Push Hook"},
                                                     {"X-Gitlab-Token", string_at(hook, {"secret"})},
                                                     {"X-Gitlab-Event-UUID", "e2e-lifecycle-1"},
                                                     {"Content-Type", "application/json"}};
    const auto start = Clock::now();
    const auto answer = admin().request("POST", target, json::serialize(delivery), headers);
    ASSERT_EQ(answer.status, 201) << answer.body;
    wait_until("the webhook's build pod to run", 300s, build_pod_running, [&] { return describe(); });
    std::cout << std::fixed << std::setprecision(1) << "timing webhook: delivery -> build pod running " << seconds_since(start)
              << " s" << std::endl;
    wait_serving(1, kThird, 600s);
    const auto replayed = admin().request("POST", target, json::serialize(delivery), headers);
    EXPECT_EQ(replayed.status, 200) << replayed.body;  // a redelivery starts nothing
    const auto builds = json_of(admin().get(app_path() + "/builds"), 200, "listing builds").at("items").as_array();
    EXPECT_EQ(std::count_if(builds.begin(), builds.end(), [](const json::value& b) { return string_at(b, {"trigger"}) == "webhook (gitlab)"; }),
              1);
}

TEST_F(AppLifecycle, RollbackServesTheFirstVersionAgain) {
    ASSERT_GT(first_release_, 0);
    const auto start = Clock::now();
    const auto answer =
        json_of(admin().post(app_path() + "/rollback", json::object{{"release", first_release_}}), 200, "rolling back");
    wait_serving(1, kFirst, 300s);
    std::cout << std::fixed << std::setprecision(1) << "timing rollback: POST rollback -> the first version answering HTTP "
              << seconds_since(start) << " s" << std::endl;
    const auto newest = json_of(admin().get(app_path() + "/releases"), 200, "listing releases").at("items").at(0);
    EXPECT_EQ(string_at(newest, {"kind"}), "rollback") << json::serialize(answer);
}

}  // namespace
}  // namespace sb::e2e
