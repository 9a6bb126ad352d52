// The scenarios of issue 7, driven only through ShapeBlock custom
// resources as a user would: Project + App + AppBuild on a real node, with
// the real operator, a real in-pod buildah build from the test git server,
// the local registry, and the helm-controller stand-in deploying the app.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <ctime>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <thread>

#include "tests/e2e/support/git_server.hpp"
#include "tests/e2e/support/helm_controller.hpp"
#include "tests/e2e/support/operator_process.hpp"
#include "tests/e2e/support/plain_http.hpp"
#include "tests/e2e/support/pods.hpp"
#include "tests/e2e/support/real_node.hpp"
#include "tests/support/scratch.hpp"
#include "tests/e2e/support/test_app.hpp"

#ifndef SB_E2E_OPERATOR
#error "SB_E2E_OPERATOR must be the path of shapeblock-operator"
#endif

namespace sb::e2e {
namespace {
namespace json = boost::json;
using namespace std::chrono_literals;
using Clock = std::chrono::system_clock;
using ::testing::HasSubstr;

constexpr const char* kProject = "shop";
const std::string kNs = kProject;
const std::string kGroup = "/apis/apps.shapeblock.io/v1alpha1";

// RFC 3339 ("2026-11-23T20:30:18Z" or with fractions) to a time point.
Clock::time_point parse_time(const std::string& text) {
    std::tm tm{};
    std::istringstream in(text.substr(0, 19));
    in >> std::get_time(&tm, "%Y-%m-%dT%H:%M:%S");
    if (in.fail()) return {};
    auto t = Clock::from_time_t(timegm(&tm));
    if (text.size() > 20 && text[19] == '.') {
        std::string frac = text.substr(20, text.find_first_not_of("0123456789", 20) - 20);
        frac = (frac + "000000000").substr(0, 9);
        t += std::chrono::nanoseconds(std::stoll(frac));
    }
    return t;
}

double seconds_between(Clock::time_point a, Clock::time_point b) {
    return std::chrono::duration<double>(b - a).count();
}

struct BuildTimings {
    std::string build;
    double schedule = 0, clone = 0, build_step = 0, push = 0, deploy = 0, rollout = 0, total = 0;
};

std::vector<BuildTimings>& timings() {
    static std::vector<BuildTimings> all;
    return all;
}

class AppBuildScenarios : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        auto& node = RealNode::shared();
        git_ = std::make_unique<GitServer>(node.work_dir() / "git", node.bridge_address());
        helm_ = std::make_unique<HelmControllerStandIn>(node);
        auto api = node.api();
        install_registry_credentials(api);
        // A small build memory limit, so the OOM scenario is quick.
        operator_ = std::make_unique<OperatorProcess>(
            node, SB_E2E_OPERATOR, std::vector<std::string>{"--build-memory-limit=768Mi", "--build-memory-request=64Mi",
                                                            "--build-cpu-request=100m"});
        wait_until("the operator to install its CRDs", 60s, [&] {
            if (!operator_->running()) throw WaitAborted("shapeblock-operator exited:\n" + operator_->log_tail());
            // Each CRD is served on its own once established: wait for every kind the tests create.
            for (const char* plural : {"/projects", "/apps", "/appbuilds"}) api.get(kGroup + plural);
            return true;
        });
        api.create(kGroup + "/projects",
                   json::object{{"apiVersion", "apps.shapeblock.io/v1alpha1"},
                                {"kind", "Project"},
                                {"metadata", json::object{{"name", kProject}}},
                                {"spec", json::object{{"name", kProject}, {"displayName", "Shop"}}}});
        wait_until("the project namespace", 60s, [&] { return api.try_get("/api/v1/namespaces/" + kNs).has_value(); },
                   [&] { return operator_->log_tail(); });
    }

    static void TearDownTestSuite() {
        if (operator_) {
            std::cout << "operator RSS at the end: " << operator_->rss_kb() << " kB, peak " << operator_->peak_rss_kb()
                      << " kB" << std::endl;
            record_summary();
        }
        operator_.reset();
        helm_.reset();
        git_.reset();
    }

    static void record_summary() {
        std::ofstream out("e2e-appbuild-timings.txt");
        out << "build schedule clone build push deploy rollout total (s)\n";
        for (const auto& t : timings())
            out << std::fixed << std::setprecision(1) << t.build << " " << t.schedule << " " << t.clone << " "
                << t.build_step << " " << t.push << " " << t.deploy << " " << t.rollout << " " << t.total << "\n";
        out << "operator_rss_kb " << operator_->rss_kb() << "\noperator_peak_rss_kb " << operator_->peak_rss_kb() << "\n";
    }

    static RealNode& node() { return RealNode::shared(); }
    static KubeApi api() { return node().api(); }

    static void create_app(const std::string& name, json::object git, json::object build = {}) {
        if (build.empty()) build = json::object{{"type", "dockerfile"}, {"builder", "buildah"}};
        api().create(kGroup + "/namespaces/" + kNs + "/apps",
                     json::object{{"apiVersion", "apps.shapeblock.io/v1alpha1"},
                                  {"kind", "App"},
                                  {"metadata", json::object{{"name", name}}},
                                  {"spec", json::object{{"displayName", name},
                                                        {"git", std::move(git)},
                                                        {"build", std::move(build)},
                                                        {"port", kTestAppPort}}}});
    }

    static Clock::time_point create_build(const std::string& name, const std::string& app, json::object spec = {}) {
        spec["appName"] = app;
        const auto created = Clock::now();
        api().create(kGroup + "/namespaces/" + kNs + "/appbuilds",
                     json::object{{"apiVersion", "apps.shapeblock.io/v1alpha1"},
                                  {"kind", "AppBuild"},
                                  {"metadata", json::object{{"name", name}}},
                                  {"spec", std::move(spec)}});
        return created;
    }

    // Waits for Completed or Failed; returns the AppBuild. Fails fast when
    // the operator does not reconcile AppBuilds at all (no status after 90 s);
    // the later scenarios are then skipped rather than timing out one by one.
    static json::value wait_build_done(const std::string& name, std::chrono::seconds timeout = 420s) {
        json::value build;
        try {
            wait_until("the operator to pick up AppBuild " + name, 90s, [&] {
                build = api().get(kGroup + "/namespaces/" + kNs + "/appbuilds/" + name);
                return !string_at(build, {"status", "phase"}).empty();
            });
        } catch (const std::exception&) {
            no_build_controller_ = true;
            throw std::runtime_error("shapeblock-operator did not reconcile AppBuild " + name +
                                     " within 90 s (is the AppBuild controller registered?)\noperator log:\n" +
                                     operator_->log_tail());
        }
        wait_until(
            "AppBuild " + name + " to finish", timeout,
            [&] {
                build = api().get(kGroup + "/namespaces/" + kNs + "/appbuilds/" + name);
                const auto phase = string_at(build, {"status", "phase"});
                return phase == "Completed" || phase == "Failed";
            },
            [&] { return json::serialize(build) + "\noperator log:\n" + operator_->log_tail(); });
        return build;
    }

    // Waits until a pod of the app answers 200 with `content`; returns when.
    static Clock::time_point wait_app_serves(const std::string& app, const std::string& content,
                                             std::chrono::seconds timeout = 180s) {
        std::string last;
        wait_until(
            "app " + app + " to serve '" + content + "'", timeout,
            [&] {
                const auto pods = api().get("/api/v1/namespaces/" + kNs + "/pods?labelSelector=shapeblock.io%2Fapp%3D" + app);
                for (const auto& pod : pods.at("items").as_array()) {
                    const auto ip = string_at(pod, {"status", "podIP"});
                    if (ip.empty() || !string_at(pod, {"metadata", "labels", "shapeblock.io/build"}).empty()) continue;
                    auto result = http_get(ip, kTestAppPort, "/");
                    last = std::to_string(result.status) + " " + result.body + result.error;
                    if (result.status == 200 && result.body == content + "\n") return true;
                }
                return false;
            },
            [&] { return "last answer: " + last + "\noperator log:\n" + operator_->log_tail(3000); });
        return Clock::now();
    }

    static json::value app_object(const std::string& app) {
        return api().get(kGroup + "/namespaces/" + kNs + "/apps/" + app);
    }

    static int jobs_of_build(const std::string& build) {
        const auto jobs = api().get("/apis/batch/v1/namespaces/" + kNs + "/jobs?labelSelector=shapeblock.io%2Fbuild%3D" + build);
        return static_cast<int>(jobs.at("items").as_array().size());
    }

    // clone / build / push from the build pod's container states and its
    // timestamped log; deploy and rollout as the test saw them.
    static BuildTimings measure(const std::string& name, Clock::time_point created, Clock::time_point serving) {
        BuildTimings t;
        t.build = name;
        t.total = seconds_between(created, serving);
        const auto build = api().get(kGroup + "/namespaces/" + kNs + "/appbuilds/" + name);
        const auto pod_name = string_at(build, {"status", "podName"});
        if (pod_name.empty()) return t;
        const auto pod = api().get("/api/v1/namespaces/" + kNs + "/pods/" + pod_name);
        auto state_time = [&](const char* list, const char* container, const char* field) {
            const auto& status = pod.at("status").as_object();
            if (const auto* statuses = status.if_contains(list))
                for (const auto& s : statuses->as_array())
                    if (string_at(s, {"name"}) == container)
                        return parse_time(string_at(s, {"state", "terminated", field}));
            return Clock::time_point{};
        };
        const auto clone_start = state_time("initContainerStatuses", "clone", "startedAt");
        const auto clone_end = state_time("initContainerStatuses", "clone", "finishedAt");
        const auto build_start = state_time("containerStatuses", "build", "startedAt");
        const auto build_end = state_time("containerStatuses", "build", "finishedAt");
        // buildah prints "Successfully tagged" when the image is built; the push follows.
        auto push_start = build_end;
        std::istringstream log(pod_logs(api(), kNs, pod_name, "build", true));
        for (std::string line; std::getline(log, line);)
            if (line.find("Successfully tagged") != std::string::npos) push_start = parse_time(line.substr(0, line.find(' ')));
        t.schedule = seconds_between(created, clone_start);
        t.clone = seconds_between(clone_start, clone_end);
        t.build_step = seconds_between(build_start, push_start);
        t.push = seconds_between(push_start, build_end);
        const auto completed = parse_time(string_at(build, {"status", "completionTime"}));
        t.deploy = seconds_between(build_end, completed);
        t.rollout = seconds_between(completed, serving);
        return t;
    }

    static void report(const BuildTimings& t) {
        timings().push_back(t);
        std::cout << std::fixed << std::setprecision(1) << "timing " << t.build << ": schedule " << t.schedule
                  << " s, clone " << t.clone << " s, build " << t.build_step << " s, push " << t.push << " s, deploy "
                  << t.deploy << " s, rollout " << t.rollout << " s, total " << t.total << " s; operator RSS "
                  << operator_->rss_kb() << " kB" << std::endl;
    }

    void SetUp() override {
        if (no_build_controller_) GTEST_SKIP() << "an earlier scenario found no AppBuild controller in the operator";
    }

    static std::unique_ptr<GitServer> git_;
    static std::unique_ptr<HelmControllerStandIn> helm_;
    static std::unique_ptr<OperatorProcess> operator_;
    static bool no_build_controller_;
};
bool AppBuildScenarios::no_build_controller_ = false;
std::unique_ptr<GitServer> AppBuildScenarios::git_;
std::unique_ptr<HelmControllerStandIn> AppBuildScenarios::helm_;
std::unique_ptr<OperatorProcess> AppBuildScenarios::operator_;

std::string base() { return RealNode::shared().base_image_in_registry(); }

// Tests share the app "web" and run in order (gtest keeps declaration order).
TEST_F(AppBuildScenarios, BuildDeploysTheCommitAndServesIt) {
    git_->create_repository("web", GitServer::Access::public_);
    const auto commit = git_->commit("web", test_app_files(base(), "version-one"), "v1");
    create_app("web", json::object{{"url", git_->url("web")}, {"branch", "main"}});
    const auto created = create_build("web-1", "web");
    const auto build = wait_build_done("web-1");
    ASSERT_EQ(string_at(build, {"status", "phase"}), "Completed") << json::serialize(build);
    EXPECT_EQ(string_at(build, {"status", "commit"}), commit);
    EXPECT_THAT(string_at(build, {"status", "image"}), HasSubstr(node().registry() + "/"));
    report(measure("web-1", created, wait_app_serves("web", "version-one")));
    // The operator followed helm's install Job and the rollout to the end.
    wait_until("App web to be Running", 60s, [&] { return string_at(app_object("web"), {"status", "phase"}) == "Running"; },
               [&] { return json::serialize(app_object("web")) + "\noperator log:\n" + operator_->log_tail(); });
}

TEST_F(AppBuildScenarios, NewCommitIsServedAndRollbackServesTheOldOneAgain) {
    const auto first_image = string_at(app_object("web"), {"status", "currentImage"});
    ASSERT_FALSE(first_image.empty());
    git_->commit("web", test_app_files(base(), "version-two"), "v2");
    const auto created = create_build("web-2", "web");
    const auto build = wait_build_done("web-2");
    ASSERT_EQ(string_at(build, {"status", "phase"}), "Completed") << json::serialize(build);
    report(measure("web-2", created, wait_app_serves("web", "version-two")));
    const auto app = app_object("web");
    EXPECT_EQ(string_at(app, {"status", "previousImage"}), first_image);

    create_build("web-rollback", "web", json::object{{"image", first_image}});
    const auto rollback = wait_build_done("web-rollback");
    ASSERT_EQ(string_at(rollback, {"status", "phase"}), "Completed") << json::serialize(rollback);
    wait_app_serves("web", "version-one");
    EXPECT_EQ(jobs_of_build("web-rollback"), 0) << "a rollback deploys an existing image without building";
}

TEST_F(AppBuildScenarios, SameCommitBuiltTwiceReusesTheImage) {
    const auto previous = api().get(kGroup + "/namespaces/" + kNs + "/appbuilds/web-2");
    const auto commit = string_at(previous, {"status", "commit"});
    create_build("web-2-again", "web", json::object{{"gitRef", commit}});
    const auto build = wait_build_done("web-2-again");
    ASSERT_EQ(string_at(build, {"status", "phase"}), "Completed") << json::serialize(build);
    EXPECT_EQ(string_at(build, {"status", "image"}), string_at(previous, {"status", "image"}));
    EXPECT_EQ(jobs_of_build("web-2-again"), 0) << "no build pod for an image that already exists";
    wait_app_serves("web", "version-two");
}

TEST_F(AppBuildScenarios, PrivateRepositoryBuildsWithTheGeneratedDeployKey) {
    git_->create_repository("private-web", GitServer::Access::private_);
    git_->commit("private-web", test_app_files(base(), "private-version"), "private");
    create_app("private-web", json::object{{"url", git_->url("private-web")}, {"branch", "main"}, {"isPrivate", true}});
    std::string public_key;
    wait_until("the app's deploy key", 60s, [&] {
        public_key = string_at(app_object("private-web"), {"status", "deployKey"});
        return !public_key.empty();
    });
    git_->authorize(public_key);
    const auto created = create_build("private-web-1", "private-web");
    const auto build = wait_build_done("private-web-1");
    ASSERT_EQ(string_at(build, {"status", "phase"}), "Completed") << json::serialize(build);
    report(measure("private-web-1", created, wait_app_serves("private-web", "private-version")));
}

TEST_F(AppBuildScenarios, FailingRunStepFailsWithTheBuildLogTail) {
    git_->create_repository("broken", GitServer::Access::public_);
    git_->commit("broken",
                 test_app_files(base(), "never-served", "RUN echo the-step-that-breaks-the-build && exit 3\n"),
                 "broken");
    create_app("broken", json::object{{"url", git_->url("broken")}, {"branch", "main"}});
    create_build("broken-1", "broken");
    const auto build = wait_build_done("broken-1");
    EXPECT_EQ(string_at(build, {"status", "phase"}), "Failed");
    EXPECT_THAT(string_at(build, {"status", "message"}), HasSubstr("the-step-that-breaks-the-build"));
    // The whole log, read by `shapeblock-operator build-log` through the kubelet (pods/log).
    const auto log = testenv::run_command({SB_E2E_OPERATOR, "build-log", kNs + "/broken-1", "--kubeconfig",
                                           node().control_plane().admin_kubeconfig().string()});
    EXPECT_THAT(log, HasSubstr("==> clone <=="));
    EXPECT_THAT(log, HasSubstr("shapeblock: cloned "));
    EXPECT_THAT(log, HasSubstr("==> build <=="));
    EXPECT_THAT(log, HasSubstr("the-step-that-breaks-the-build"));
}

TEST_F(AppBuildScenarios, BuildOverItsMemoryLimitFailsAsOutOfMemory) {
    git_->create_repository("hungry", GitServer::Access::public_);
    // busybox tail keeps a newline-free stream in memory: ~1 GiB > the 768Mi limit.
    git_->commit("hungry", test_app_files(base(), "never-served", "RUN head -c 1000000000 /dev/zero | tail -c 900000000 > /dev/null\n"),
                 "hungry");
    create_app("hungry", json::object{{"url", git_->url("hungry")}, {"branch", "main"}});
    create_build("hungry-1", "hungry");
    const auto build = wait_build_done("hungry-1");
    EXPECT_EQ(string_at(build, {"status", "phase"}), "Failed");
    EXPECT_EQ(string_at(build, {"status", "reason"}), "OOMKilled") << json::serialize(build.at("status"));
    EXPECT_THAT(string_at(build, {"status", "message"}), HasSubstr("memory"));
}

TEST_F(AppBuildScenarios, WrongGitRefFailsSayingTheRefWasNotFound) {
    create_build("web-bad-ref", "web", json::object{{"gitRef", "no-such-branch"}});
    const auto build = wait_build_done("web-bad-ref");
    EXPECT_EQ(string_at(build, {"status", "phase"}), "Failed");
    EXPECT_THAT(string_at(build, {"status", "message"}), HasSubstr("not found"));
    EXPECT_THAT(string_at(build, {"status", "message"}), HasSubstr("no-such-branch"));
}

TEST_F(AppBuildScenarios, OperatorKilledDuringABuildFinishesItOnce) {
    git_->commit("web", test_app_files(base(), "version-three"), "v3");
    create_build("web-3", "web");
    wait_until("the build of web-3 to start", 120s, [&] { return jobs_of_build("web-3") > 0; },
               [&] { return operator_->log_tail(); });
    operator_->kill_hard();
    std::this_thread::sleep_for(2s);
    operator_->start();
    const auto build = wait_build_done("web-3");
    ASSERT_EQ(string_at(build, {"status", "phase"}), "Completed") << json::serialize(build);
    EXPECT_EQ(jobs_of_build("web-3"), 1);
    const auto pods = api().get("/api/v1/namespaces/" + kNs + "/pods?labelSelector=shapeblock.io%2Fbuild%3Dweb-3");
    EXPECT_EQ(pods.at("items").as_array().size(), 1u) << "the build ran exactly once";
    wait_app_serves("web", "version-three");
}

}  // namespace
}  // namespace sb::e2e
