// The AppBuild controller against a real kube-apiserver + controller-manager.
// The test plays the kubelet: it writes build Pod status, and the real Job
// controller (and garbage collector) react.
#include <gtest/gtest.h>

#include <atomic>
#include <algorithm>
#include <cstring>
#include <fstream>
#include <sys/resource.h>

#include "operator/common/crd_types.hpp"
#include "tests/operator/support/operator_harness.hpp"

namespace json = boost::json;
using namespace sb;
using namespace sb::op;
using namespace sb::op::testing;
using namespace std::chrono_literals;

namespace {

const std::string kSha1 = "1111111111111111111111111111111111111111";
const std::string kSha2 = "2222222222222222222222222222222222222222";
const std::string kDigest = "sha256:" + std::string(64, 'd');

std::string unique_ns(const std::string& prefix) {
    static std::atomic<int> n{0};
    return prefix + "-" + std::to_string(::getpid() % 10000) + "-" + std::to_string(n++);
}

appbuild::AppBuildSettings default_settings() {
    appbuild::AppBuildSettings s;
    s.registry.secret_name = "registry-credentials";
    s.history_limit = 10;
    s.workers = 4;
    return s;
}

class AppBuildIntegration : public ::testing::Test {
protected:
    void SetUp() override {
        install_crds(client);
        ns = unique_ns("proj");
        client.create_namespace(ns);
    }

    json::object build(const std::string& name) { return client.get(crds::appbuilds, ns, name); }
    json::object app(const std::string& name) { return client.get(crds::apps, ns, name); }

    // Waits for a build to reach a phase; returns the AppBuild.
    json::object wait_phase(const std::string& name, const std::string& phase, std::chrono::milliseconds timeout = 30s) {
        json::object last;
        bool ok = eventually([&] {
            auto b = client.try_get(crds::appbuilds, ns, name);
            if (!b) return false;
            last = *b;
            return status_of(last, "phase") == phase;
        }, timeout);
        EXPECT_TRUE(ok) << name << " never reached " << phase << ": " << json::serialize(last.contains("status") ? last.at("status") : json::value());
        return last;
    }

    void succeed_build(const std::string& build_name, const std::string& commit, const std::string& image) {
        auto pod = wait_for_build_pod(client, ns, build_name);
        finish_pod(client, pod, "Succeeded", {{"clone", 0, clone_message(commit, "dockerfile", image)}},
                   {{"build", 0, kDigest}});
    }

    std::size_t jobs_of(const std::string& build_name) {
        return client.list(sb::kube::resources::jobs, ns, "shapeblock.io/build=" + build_name).size();
    }

    SyncClient client;
    std::string ns;
};

}  // namespace

TEST_F(AppBuildIntegration, DockerfileBuildCompletesAndDeploys) {
    OperatorUnderTest op(default_settings());
    client.create(crds::apps, app_object(ns, "web"));
    client.create(crds::appbuilds, appbuild_object(ns, "web-1", "web", kSha1, "v1"));

    std::optional<json::object> job;
    ASSERT_TRUE(eventually([&] { return (job = client.try_get(sb::kube::resources::jobs, ns, "web-1")).has_value(); }));
    EXPECT_EQ(job->at("metadata").at("ownerReferences").at(0).at("kind").as_string(), "AppBuild");
    EXPECT_EQ(job->at("spec").at("backoffLimit").as_int64(), 0);
    wait_phase("web-1", "Pending");

    const std::string image = "registry.example.com/" + ns + "/web:v1";
    auto pod = wait_for_build_pod(client, ns, "web-1");
    const auto t0 = std::chrono::steady_clock::now();
    finish_pod(client, pod, "Succeeded", {{"clone", 0, clone_message(kSha1, "dockerfile", image)}}, {{"build", 0, kDigest}});
    std::optional<json::object> chart;
    ASSERT_TRUE(eventually([&] { return (chart = client.try_get(crds::helmcharts, ns, "web")).has_value(); }, 30s, 5ms));
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0).count();
    std::printf("[measure] pod success -> HelmChart written: %lld ms\n", static_cast<long long>(ms));

    auto b = wait_phase("web-1", "Completed");
    EXPECT_EQ(status_of(b, "commit"), kSha1);
    EXPECT_EQ(status_of(b, "image"), image);
    EXPECT_EQ(status_of(b, "digest"), kDigest);
    EXPECT_EQ(status_of(b, "podName"), get_string(pod, "metadata.name"));
    auto values = json::parse(std::string(chart->at("spec").at("valuesContent").as_string())).as_object();
    EXPECT_EQ(values.at("defaultImageTag").as_string(), "v1@" + kDigest);
    EXPECT_EQ(chart->at("spec").at("targetNamespace").as_string(), ns);
    EXPECT_EQ(chart->at("metadata").at("ownerReferences").at(0).at("kind").as_string(), "App");

    ASSERT_TRUE(eventually([&] { return status_of(app("web"), "currentImage") == image + "@" + kDigest; }));
    auto a = app("web");
    EXPECT_EQ(status_of(a, "latestBuild"), "web-1");
    EXPECT_EQ(status_of(a, "url"), "https://web.apps.example.com");
    // Written, not deployed yet: helm-controller has not run the install.
    ASSERT_TRUE(eventually([&] {
        auto conds = build("web-1").at("status").as_object();
        const auto* c = conds.contains("conditions") ? find_condition(conds.at("conditions").as_array(), "Deployed") : nullptr;
        return c && get_string(*c, "status") == "False" && get_string(*c, "reason") == "WaitingForHelmController";
    }));
    EXPECT_EQ(status_of(app("web"), "phase"), "Deploying");
}

TEST_F(AppBuildIntegration, EveryFailureEndsFailedWithItsReason) {
    auto settings = default_settings();
    settings.build.active_deadline_seconds = 20;  // only the deadline case lets it run out
    OperatorUnderTest op(settings);
    struct Case {
        std::string name, reason, text;
        std::vector<ContainerOutcome> init, main;
    };
    std::vector<Case> cases{
        {"auth", "CloneFailed", "authentication", {{"clone", 10, "fatal: Authentication failed"}}, {}},
        {"noref", "CloneFailed", "does not exist", {{"clone", 11, "fatal: couldn't find remote ref nope"}}, {}},
        {"build", "BuildFailed", "exit code 2", {{"clone", 0, clone_message(kSha1, "dockerfile", "r/p/a:1")}},
         {{"build", 2, "step 3/9 RUN make\nmake: *** [all] Error 1"}}},
        {"push", "PushFailed", "registry credentials", {{"clone", 0, clone_message(kSha1, "dockerfile", "r/p/a:1")}},
         {{"build", 1, "error pushing image: failed to push to destination r/p/a:1: UNAUTHORIZED"}}},
        {"oom", "OOMKilled", "out of memory", {{"clone", 0, clone_message(kSha1, "dockerfile", "r/p/a:1")}},
         {{"build", 137, "", "OOMKilled"}}},
    };
    for (const auto& c : cases) {
        client.create(crds::apps, app_object(ns, c.name));
        client.create(crds::appbuilds, appbuild_object(ns, c.name + "-1", c.name, "main"));
    }
    // Unschedulable: a pod the scheduler gave up on long ago.
    client.create(crds::apps, app_object(ns, "sched"));
    client.create(crds::appbuilds, appbuild_object(ns, "sched-1", "sched", "main"));
    // Deadline: nobody answers for this pod.
    client.create(crds::apps, app_object(ns, "slow"));
    client.create(crds::appbuilds, appbuild_object(ns, "slow-1", "slow", "main"));

    for (const auto& c : cases) {
        auto pod = wait_for_build_pod(client, ns, c.name + "-1");
        finish_pod(client, pod, "Failed", c.init, c.main);
    }
    {
        auto pod = wait_for_build_pod(client, ns, "sched-1");
        pod["status"] = json::object{
            {"phase", "Pending"},
            {"conditions", json::array{{{"type", "PodScheduled"}, {"status", "False"}, {"reason", "Unschedulable"},
                                        {"message", "0/1 nodes are available: 1 Insufficient memory."},
                                        {"lastTransitionTime", "2020-01-01T00:00:00Z"}}}}};
        client.update_status(sb::kube::resources::pods, pod);
    }
    for (const auto& c : cases) {
        auto b = wait_phase(c.name + "-1", "Failed");
        EXPECT_EQ(status_of(b, "reason"), c.reason) << c.name;
        EXPECT_NE(status_of(b, "message").find(c.text), std::string::npos) << c.name << ": " << status_of(b, "message");
    }
    auto sched = wait_phase("sched-1", "Failed");
    EXPECT_EQ(status_of(sched, "reason"), "Unschedulable");
    EXPECT_NE(status_of(sched, "message").find("Insufficient memory"), std::string::npos);
    EXPECT_TRUE(eventually([&] { return jobs_of("sched-1") == 0; })) << "a stuck build's Job is deleted";
    auto slow = wait_phase("slow-1", "Failed", 90s);
    EXPECT_EQ(status_of(slow, "reason"), "DeadlineExceeded");
}

TEST_F(AppBuildIntegration, SameCommitAndSettingsReuseTheImage) {
    OperatorUnderTest op(default_settings());
    client.create(crds::apps, app_object(ns, "api"));
    client.create(crds::appbuilds, appbuild_object(ns, "api-1", "api", kSha1, "one"));
    const std::string image = "registry.example.com/" + ns + "/api:one";
    succeed_build("api-1", kSha1, image);
    wait_phase("api-1", "Completed");

    client.create(crds::appbuilds, appbuild_object(ns, "api-2", "api", kSha1, "two"));
    auto b = wait_phase("api-2", "Completed");
    EXPECT_EQ(status_of(b, "reason"), "Reused");
    EXPECT_EQ(status_of(b, "image"), image);
    EXPECT_EQ(status_of(b, "digest"), kDigest);
    EXPECT_EQ(jobs_of("api-2"), 0u);
    EXPECT_FALSE(client.try_get(sb::kube::resources::jobs, ns, "api-2").has_value());
    EXPECT_TRUE(eventually([&] { return status_of(app("api"), "latestBuild") == "api-2"; }));

    // Another commit builds.
    client.create(crds::appbuilds, appbuild_object(ns, "api-3", "api", kSha2, "three"));
    EXPECT_TRUE(eventually([&] { return jobs_of("api-3") == 1; }));
}

// A branch is resolved by the clone step: the build Job carries the commits
// built before with the same settings, and a pod that reports one of them
// ends the build Reused with that build's image.
TEST_F(AppBuildIntegration, ABranchThatResolvesToACommitBuiltBeforeReusesItsImage) {
    OperatorUnderTest op(default_settings());
    client.create(crds::apps, app_object(ns, "br"));
    client.create(crds::appbuilds, appbuild_object(ns, "br-1", "br", "main"));
    const std::string image = "registry.example.com/" + ns + "/br:" + kSha1.substr(0, 12);
    succeed_build("br-1", kSha1, image);
    wait_phase("br-1", "Completed");
    ASSERT_TRUE(eventually([&] { return status_of(app("br"), "currentImage") == image + "@" + kDigest; }));

    std::this_thread::sleep_for(1100ms);  // creationTimestamp has one-second resolution
    client.create(crds::appbuilds, appbuild_object(ns, "br-2", "br", "main"));
    auto pod = wait_for_build_pod(client, ns, "br-2");
    std::string reusable;
    for (const auto& e : pod.at("spec").at("initContainers").at(0).at("env").as_array())
        if (e.at("name").as_string() == "REUSABLE_COMMITS") reusable = e.at("value").as_string();
    EXPECT_EQ(reusable, kSha1);
    // The clone step found main at kSha1: nothing was built, no digest.
    finish_pod(client, pod, "Succeeded", {{"clone", 0, "commit=" + kSha1 + "\nreuse=true\n"}}, {{"build", 0, ""}});
    auto b = wait_phase("br-2", "Completed");
    EXPECT_EQ(status_of(b, "reason"), "Reused");
    EXPECT_EQ(status_of(b, "commit"), kSha1);
    EXPECT_EQ(status_of(b, "image"), image);
    EXPECT_EQ(status_of(b, "digest"), kDigest);
    EXPECT_EQ(status_of(b, "buildType"), "dockerfile");
    EXPECT_EQ(status_of(b, "message"),
              "reused the image of build br-1 (commit " + kSha1.substr(0, 12) + ", resolved from main, same settings); "
              "nothing was built");
    EXPECT_TRUE(eventually([&] { return status_of(app("br"), "latestBuild") == "br-2"; }));
    EXPECT_EQ(status_of(app("br"), "currentImage"), image + "@" + kDigest);

    // A pod that succeeds without reporting what it pushed never deploys.
    std::this_thread::sleep_for(1100ms);
    client.create(crds::appbuilds, appbuild_object(ns, "br-3", "br", "main"));
    pod = wait_for_build_pod(client, ns, "br-3");
    finish_pod(client, pod, "Succeeded",
               {{"clone", 0, clone_message(kSha2, "dockerfile", "registry.example.com/" + ns + "/br:" + kSha2.substr(0, 12))}},
               {{"build", 0, ""}});
    auto missing = wait_phase("br-3", "Failed");
    EXPECT_EQ(status_of(missing, "reason"), "ImageMissing");
    EXPECT_NE(status_of(missing, "message").find("build step digest nothing"), std::string::npos) << status_of(missing, "message");
    // Nor one that pushed somewhere else than asked.
    std::this_thread::sleep_for(1100ms);
    client.create(crds::appbuilds, appbuild_object(ns, "br-4", "br", "main"));
    pod = wait_for_build_pod(client, ns, "br-4");
    finish_pod(client, pod, "Succeeded", {{"clone", 0, clone_message(kSha2, "dockerfile", "elsewhere.example.com/x:latest")}},
               {{"build", 0, kDigest}});
    auto mismatch = wait_phase("br-4", "Failed");
    EXPECT_EQ(status_of(mismatch, "reason"), "ImageMismatch");
    std::this_thread::sleep_for(300ms);
    EXPECT_EQ(status_of(app("br"), "latestBuild"), "br-2");
    EXPECT_EQ(chart_image(client.get(crds::helmcharts, ns, "br")), image + "@" + kDigest);
}

TEST_F(AppBuildIntegration, NewerBuildSupersedesAQueuedOne) {
    OperatorUnderTest op(default_settings());
    client.create(crds::apps, app_object(ns, "svc"));
    client.create(crds::appbuilds, appbuild_object(ns, "svc-1", "svc", "main"));
    ASSERT_TRUE(eventually([&] { return jobs_of("svc-1") == 1; }));
    client.create(crds::appbuilds, appbuild_object(ns, "svc-2", "svc", "main"));
    auto queued = wait_phase("svc-2", "Pending");
    EXPECT_TRUE(eventually([&] { return status_of(build("svc-2"), "message").find("queued behind build svc-1") != std::string::npos; }))
        << status_of(build("svc-2"), "message") << " / svc-1: " << status_of(build("svc-1"), "phase") << " " << status_of(build("svc-1"), "message");
    std::this_thread::sleep_for(1100ms);  // creationTimestamp has one-second resolution
    client.create(crds::appbuilds, appbuild_object(ns, "svc-3", "svc", "main"));
    auto superseded = wait_phase("svc-2", "Failed");
    EXPECT_EQ(status_of(superseded, "reason"), "Superseded");
    EXPECT_NE(status_of(superseded, "message").find("svc-3"), std::string::npos);
    EXPECT_EQ(jobs_of("svc-2"), 0u);
    EXPECT_EQ(jobs_of("svc-3"), 0u) << "waits for svc-1";

    succeed_build("svc-1", kSha1, "registry.example.com/" + ns + "/svc:a");
    EXPECT_TRUE(eventually([&] { return jobs_of("svc-3") == 1; }));
}

TEST_F(AppBuildIntegration, HistoryLimitDeletesOldBuildsAndTheirJobs) {
    auto settings = default_settings();
    settings.history_limit = 2;
    OperatorUnderTest op(settings);
    client.create(crds::apps, app_object(ns, "hist"));
    for (int i = 1; i <= 4; ++i) {
        const auto name = "hist-" + std::to_string(i);
        if (i > 1) std::this_thread::sleep_for(1100ms);
        client.create(crds::appbuilds, appbuild_object(ns, name, "hist", "main", "v" + std::to_string(i)));
        succeed_build(name, i % 2 ? kSha1 : kSha2, "registry.example.com/" + ns + "/hist:v" + std::to_string(i));
        wait_phase(name, "Completed");
    }
    EXPECT_TRUE(eventually([&] { return client.list(crds::appbuilds, ns).size() == 2; }));
    EXPECT_FALSE(client.try_get(crds::appbuilds, ns, "hist-1").has_value());
    EXPECT_TRUE(client.try_get(crds::appbuilds, ns, "hist-4").has_value());
    // The garbage collector removes the Jobs of deleted builds.
    EXPECT_TRUE(eventually([&] { return jobs_of("hist-1") == 0 && jobs_of("hist-2") == 0; }, 60s));
}

TEST_F(AppBuildIntegration, MaxConcurrentBuildsQueuesTheRestUntilOneFinishes) {
    // The limit is cluster-wide: build Jobs earlier tests left running count
    // too. Wait until those whose pod has ended are marked so, then allow one more.
    const std::string selector = "app.kubernetes.io/component=build,app.kubernetes.io/managed-by=shapeblock";
    auto running_jobs = [&] {
        std::vector<json::object> running;
        for (auto& job : client.list(sb::kube::resources::jobs, "", selector))
            if (!get_int(job, "status.succeeded").value_or(0) && !get_int(job, "status.failed").value_or(0) &&
                get_string(job, "status.completionTime").empty() && get_string(job, "metadata.deletionTimestamp").empty())
                running.push_back(std::move(job));
        return running;
    };
    ASSERT_TRUE(eventually([&] {
        for (const auto& job : running_jobs())
            for (const auto& pod : client.list(sb::kube::resources::pods, get_string(job, "metadata.namespace"),
                                               "job-name=" + get_string(job, "metadata.name")))
                if (status_of(pod, "phase") == "Succeeded" || status_of(pod, "phase") == "Failed") return false;
        return true;
    }, 60s));
    auto settings = default_settings();
    settings.max_concurrent_builds = static_cast<int>(running_jobs().size()) + 1;
    OperatorUnderTest op(settings);
    client.create(crds::apps, app_object(ns, "one"));
    client.create(crds::apps, app_object(ns, "two"));
    client.create(crds::appbuilds, appbuild_object(ns, "one-1", "one", kSha1, "v1"));
    ASSERT_TRUE(eventually([&] { return jobs_of("one-1") == 1; }));
    client.create(crds::appbuilds, appbuild_object(ns, "two-1", "two", kSha1, "v1"));
    ASSERT_TRUE(eventually([&] { return status_of(build("two-1"), "message").starts_with("queued: "); }))
        << json::serialize(build("two-1"));
    EXPECT_EQ(status_of(build("two-1"), "phase"), "Pending");
    EXPECT_EQ(jobs_of("two-1"), 0u);

    succeed_build("one-1", kSha1, "registry.example.com/" + ns + "/one:v1");
    EXPECT_TRUE(eventually([&] { return jobs_of("two-1") == 1; }, 30s)) << "the queued build starts once one finishes";
}

TEST_F(AppBuildIntegration, RollbackDeploysThePreviousImageAndAppDeletionRemovesTheChart) {
    OperatorUnderTest op(default_settings());
    client.create(crds::apps, app_object(ns, "shop", "image"));
    // An App of type image needs build.image; builds here carry their image.
    const std::string a = "registry.example.com/" + ns + "/shop:a", b = "registry.example.com/" + ns + "/shop:b";
    client.create(crds::appbuilds, image_build_object(ns, "shop-1", "shop", a));
    wait_phase("shop-1", "Completed");
    ASSERT_TRUE(eventually([&] { return status_of(app("shop"), "currentImage") == a; }));
    std::this_thread::sleep_for(1100ms);
    client.create(crds::appbuilds, image_build_object(ns, "shop-2", "shop", b));
    ASSERT_TRUE(eventually([&] { return status_of(app("shop"), "currentImage") == b; }));
    EXPECT_EQ(status_of(app("shop"), "previousImage"), a);

    // Rollback: a new build of type image with the previous image.
    std::this_thread::sleep_for(1100ms);
    client.create(crds::appbuilds, image_build_object(ns, "shop-3", "shop", status_of(app("shop"), "previousImage")));
    ASSERT_TRUE(eventually([&] { return status_of(app("shop"), "currentImage") == a; }));
    EXPECT_EQ(status_of(app("shop"), "previousImage"), b);
    EXPECT_EQ(status_of(app("shop"), "latestBuild"), "shop-3");
    auto values = json::parse(std::string(client.get(crds::helmcharts, ns, "shop").at("spec").at("valuesContent").as_string()));
    EXPECT_EQ(values.at("defaultImageTag").as_string(), "a");

    client.remove(crds::apps, ns, "shop");
    EXPECT_TRUE(eventually([&] { return !client.try_get(crds::helmcharts, ns, "shop").has_value(); }, 60s));
}

TEST_F(AppBuildIntegration, RestartedOperatorCreatesExactlyOneJobPerBuild) {
    auto op = std::make_unique<OperatorUnderTest>(default_settings());
    for (int i = 0; i < 5; ++i) {
        client.create(crds::apps, app_object(ns, "r" + std::to_string(i)));
        client.create(crds::appbuilds, appbuild_object(ns, "r" + std::to_string(i) + "-1", "r" + std::to_string(i), "main"));
    }
    ASSERT_TRUE(eventually([&] { return jobs_of("r0-1") == 1; }));
    op->stop();  // mid-build: some jobs may exist, statuses may lag
    for (int i = 5; i < 8; ++i) {
        client.create(crds::apps, app_object(ns, "r" + std::to_string(i)));
        client.create(crds::appbuilds, appbuild_object(ns, "r" + std::to_string(i) + "-1", "r" + std::to_string(i), "main"));
    }
    op->start();
    op->stop();
    op->start();
    for (int i = 0; i < 8; ++i) {
        const auto name = "r" + std::to_string(i) + "-1";
        ASSERT_TRUE(eventually([&] { return jobs_of(name) == 1; })) << name;
        // No imageTag: the tag is the commit's first 12 characters.
        succeed_build(name, kSha1, "registry.example.com/" + ns + "/r" + std::to_string(i) + ":" + kSha1.substr(0, 12));
    }
    for (int i = 0; i < 8; ++i) {
        const auto name = "r" + std::to_string(i) + "-1";
        wait_phase(name, "Completed");
        EXPECT_EQ(jobs_of(name), 1u) << name;
        EXPECT_EQ(client.list(sb::kube::resources::pods, ns, "shapeblock.io/build=" + name).size(), 1u) << name;
    }
}

namespace {
long rss_kb(const char* field) {
    std::ifstream in("/proc/self/status");
    std::string line;
    while (std::getline(in, line))
        if (line.rfind(field, 0) == 0) return std::atol(line.c_str() + std::strlen(field));
    return 0;
}
}  // namespace

// 100 apps build and deploy at once: the operator's CPU and memory, and the
// time from a build pod's success to its app's HelmChart.
TEST_F(AppBuildIntegration, HundredConcurrentBuildsAndDeploys) {
    constexpr int kApps = 100;
    const long rss_before = rss_kb("VmRSS:");
    OperatorUnderTest op(default_settings());
    const auto t_start = std::chrono::steady_clock::now();
    for (int i = 0; i < kApps; ++i) {
        client.create(crds::apps, app_object(ns, "a" + std::to_string(i)));
        client.create(crds::appbuilds, appbuild_object(ns, "a" + std::to_string(i) + "-1", "a" + std::to_string(i), kSha1, "v1"));
    }
    ASSERT_TRUE(eventually([&] {
        return client.list(sb::kube::resources::pods, ns, "app.kubernetes.io/component=build").size() == kApps;
    }, 180s, 100ms));
    const auto t_jobs = std::chrono::steady_clock::now();

    std::vector<std::chrono::steady_clock::time_point> finished(kApps), written(kApps);
    std::vector<bool> seen(kApps, false);
    auto pods = client.list(sb::kube::resources::pods, ns, "app.kubernetes.io/component=build");
    for (auto& pod : pods) {
        const auto build = std::string(pod.at("metadata").at("labels").at("shapeblock.io/build").as_string());
        const int i = std::stoi(build.substr(1, build.find('-') - 1));
        const std::string image = "registry.example.com/" + ns + "/a" + std::to_string(i) + ":v1";
        finished[i] = std::chrono::steady_clock::now();
        finish_pod(client, pod, "Succeeded", {{"clone", 0, clone_message(kSha1, "dockerfile", image)}}, {{"build", 0, kDigest}});
    }
    ASSERT_TRUE(eventually([&] {
        auto now = std::chrono::steady_clock::now();
        int count = 0;
        for (const auto& chart : client.list(crds::helmcharts, ns)) {
            const int i = std::stoi(std::string(chart.at("metadata").at("name").as_string()).substr(1));
            if (!seen[i]) {
                seen[i] = true;
                written[i] = now;
            }
        }
        for (bool s : seen) count += s;
        return count == kApps;
    }, 180s, 20ms));
    const auto t_end = std::chrono::steady_clock::now();
    for (int i = 0; i < kApps; ++i) wait_phase("a" + std::to_string(i) + "-1", "Completed");

    std::vector<double> latency;
    for (int i = 0; i < kApps; ++i)
        latency.push_back(std::chrono::duration<double, std::milli>(written[i] - finished[i]).count());
    std::sort(latency.begin(), latency.end());
    auto secs = [](auto a, auto b) { return std::chrono::duration<double>(b - a).count(); };
    std::printf("[measure] %d apps: jobs+pods for all in %.1fs, all deployed %.1fs after the last pod status\n", kApps,
                secs(t_start, t_jobs), secs(finished.back() < finished.front() ? finished.front() : finished.back(), t_end));
    std::printf("[measure] pod success -> HelmChart: p50 %.0f ms, p95 %.0f ms, max %.0f ms (polled every 20 ms)\n",
                latency[kApps / 2], latency[kApps * 95 / 100], latency.back());
    std::printf("[measure] operator thread CPU %.2fs over %.1fs; process RSS %ld kB before, %ld kB after (peak %ld kB)\n",
                op.cpu_seconds(), secs(t_start, t_end), rss_before, rss_kb("VmRSS:"), rss_kb("VmHWM:"));
    for (int i = 0; i < kApps; ++i) EXPECT_EQ(jobs_of("a" + std::to_string(i) + "-1"), 1u);
}
