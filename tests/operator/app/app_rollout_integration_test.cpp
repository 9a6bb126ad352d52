// A deploy followed to the end against the real control plane: the test
// plays helm-controller (it creates the install Job helm-install-<chart> and
// the release's Deployment) and the kubelet (it writes Pod status); the real
// Job, Deployment and ReplicaSet controllers do the rest.
#include <gtest/gtest.h>

#include <atomic>

#include "operator/common/crd_types.hpp"
#include "tests/operator/support/operator_harness.hpp"

namespace json = boost::json;
using namespace sb;
using namespace sb::op;
using namespace sb::op::testing;
using namespace std::chrono_literals;

namespace {

const std::string kSha = "3333333333333333333333333333333333333333";
const std::string kDigest = "sha256:" + std::string(64, 'e');

class DeployFollow : public ::testing::Test {
protected:
    void SetUp() override {
        install_crds(client);
        static std::atomic<int> n{0};
        ns = "deploy-" + std::to_string(::getpid() % 10000) + "-" + std::to_string(n++);
        client.create_namespace(ns);
        settings.registry.secret_name = "registry-credentials";
    }

    json::object app(const std::string& name) { return client.get(crds::apps, ns, name); }

    Condition deployed(const std::string& build) {
        auto b = client.get(crds::appbuilds, ns, build);
        const auto* status = find_object(b, "status");
        if (!status || !status->contains("conditions")) return {};
        const auto* c = find_condition(status->at("conditions").as_array(), "Deployed");
        if (!c) return {};
        return {"Deployed", get_string(*c, "status"), get_string(*c, "reason"), get_string(*c, "message")};
    }

    // App + a dockerfile build whose pod succeeds; returns the written HelmChart.
    json::object built_and_written(const std::string& name) {
        client.create(crds::apps, app_object(ns, name));
        client.create(crds::appbuilds, appbuild_object(ns, name + "-1", name, kSha, "v1"));
        auto pod = wait_for_build_pod(client, ns, name + "-1");
        const std::string image = "registry.example.com/" + ns + "/" + name + ":v1";
        finish_pod(client, pod, "Succeeded", {{"clone", 0, clone_message(kSha, "dockerfile", image)}}, {{"build", 0, kDigest}});
        std::optional<json::object> chart;
        if (!eventually([&] { return (chart = client.try_get(crds::helmcharts, ns, name)).has_value(); }, 30s, 5ms))
            throw std::runtime_error("no HelmChart for " + name);
        return *chart;
    }

    bool app_reaches(const std::string& name, const std::string& phase, std::chrono::milliseconds timeout = 30s) {
        std::string last;
        bool ok = eventually([&] {
            auto a = app(name);
            last = status_of(a, "phase") + ": " + status_of(a, "message");
            return status_of(a, "phase") == phase;
        }, timeout, 5ms);
        EXPECT_TRUE(ok) << name << " never reached " << phase << "; last " << last;
        return ok;
    }

    SyncClient client;
    std::string ns;
    appbuild::AppBuildSettings settings;
};

}  // namespace

TEST_F(DeployFollow, InstallJobThenRolloutEndRunning) {
    OperatorUnderTest op(settings);
    auto chart = built_and_written("web");
    ASSERT_TRUE(app_reaches("web", "Deploying"));
    EXPECT_NE(status_of(app("web"), "message").find("helm-install-web"), std::string::npos) << status_of(app("web"), "message");
    const auto t_chart = std::chrono::steady_clock::now();

    run_install_job(client, ns, "web", true);
    ASSERT_TRUE(eventually([&] { return deployed("web-1").reason == "RollingOut"; }, 30s, 5ms)) << deployed("web-1").message;
    EXPECT_TRUE(eventually([&] { return status_of(app("web"), "message").find("app.kubernetes.io/instance=web") != std::string::npos; }))
        << status_of(app("web"), "message");

    const auto image = chart_image(chart);
    EXPECT_EQ(image, status_of(app("web"), "currentImage"));
    create_release_deployment(client, ns, "web", image, 2);
    std::size_t ready = 0;
    ASSERT_TRUE(eventually([&] { return (ready = make_release_pods_ready(client, ns, "web")) == 2; }, 30s, 20ms));
    const auto t_ready = std::chrono::steady_clock::now();
    ASSERT_TRUE(app_reaches("web", "Running"));
    const auto t_running = std::chrono::steady_clock::now();
    auto ms = [](auto a, auto b) { return static_cast<long long>(std::chrono::duration_cast<std::chrono::milliseconds>(b - a).count()); };
    std::printf("[measure] HelmChart written -> App Running: %lld ms (including the test playing helm-controller and the kubelet); "
                "last pod Ready written -> Running: %lld ms\n", ms(t_chart, t_running), ms(t_ready, t_running));

    auto c = deployed("web-1");
    EXPECT_EQ(c.status, "True");
    EXPECT_EQ(c.reason, "Running");
    EXPECT_NE(status_of(app("web"), "message").find("2 replicas available"), std::string::npos) << status_of(app("web"), "message");
}

TEST_F(DeployFollow, AFailedHelmInstallFailsTheApp) {
    OperatorUnderTest op(settings);
    built_and_written("api");
    run_install_job(client, ns, "api", false, "Error: INSTALLATION FAILED: services \"api\" is forbidden: exceeded quota");
    ASSERT_TRUE(app_reaches("api", "Failed"));
    const auto message = status_of(app("api"), "message");
    EXPECT_TRUE(message.starts_with("helm install failed")) << message;
    EXPECT_NE(message.find("exceeded quota"), std::string::npos) << message;
    auto c = deployed("api-1");
    EXPECT_EQ(c.status, "False");
    EXPECT_EQ(c.reason, "HelmInstallFailed");
    EXPECT_EQ(c.message, message);
    // The build itself stays Completed (its image can be reused or redeployed).
    EXPECT_EQ(status_of(client.get(crds::appbuilds, ns, "api-1"), "phase"), "Completed");
}

TEST_F(DeployFollow, ARolloutPastItsDeadlineFailsTheApp) {
    OperatorUnderTest op(settings);
    auto chart = built_and_written("slow");
    run_install_job(client, ns, "slow", true);
    // Pods never become ready: the Deployment controller gives up after 2 s.
    create_release_deployment(client, ns, "slow", chart_image(chart), 1, 2);
    ASSERT_TRUE(app_reaches("slow", "Failed", 60s));
    const auto message = status_of(app("slow"), "message");
    EXPECT_TRUE(message.starts_with("rollout failed: Deployment slow-slow")) << message;
    EXPECT_EQ(deployed("slow-1").reason, "RolloutFailed");
}

TEST_F(DeployFollow, AnAppAndAServiceOfTheSameNameDoNotShareAHelmChart) {
    OperatorUnderTest op(settings);
    client.create(crds::services, json::object{{"apiVersion", "apps.shapeblock.io/v1alpha1"},
                                               {"kind", "Service"},
                                               {"metadata", {{"name", "cache"}, {"namespace", ns}}},
                                               {"spec", {{"type", "redis"}}}});
    std::optional<json::object> chart;
    ASSERT_TRUE(eventually([&] { return (chart = client.try_get(crds::helmcharts, ns, "cache")).has_value(); }));
    const auto service_values = chart->at("spec").at("valuesContent");

    client.create(crds::apps, app_object(ns, "cache", "image"));
    client.create(crds::appbuilds, image_build_object(ns, "cache-1", "cache", "registry.example.com/" + ns + "/cache:1"));
    ASSERT_TRUE(app_reaches("cache", "Failed"));
    const auto message = status_of(app("cache"), "message");
    EXPECT_NE(message.find("belongs to Service cache"), std::string::npos) << message;
    EXPECT_NE(message.find("rename"), std::string::npos) << message;
    EXPECT_EQ(deployed("cache-1").reason, "HelmChartConflict");
    auto after = client.get(crds::helmcharts, ns, "cache");
    EXPECT_EQ(after.at("spec").at("valuesContent"), service_values) << "the service's chart is untouched";
    EXPECT_EQ(after.at("metadata").at("ownerReferences").at(0).at("kind").as_string(), "Service");

    // The other way round: the App deployed first keeps its chart.
    client.create(crds::apps, app_object(ns, "store", "image"));
    client.create(crds::appbuilds, image_build_object(ns, "store-1", "store", "registry.example.com/" + ns + "/store:1"));
    ASSERT_TRUE(app_reaches("store", "Deploying"));
    client.create(crds::services, json::object{{"apiVersion", "apps.shapeblock.io/v1alpha1"},
                                               {"kind", "Service"},
                                               {"metadata", {{"name", "store"}, {"namespace", ns}}},
                                               {"spec", {{"type", "postgres"}}}});
    std::string service_message;
    EXPECT_TRUE(eventually([&] {
        auto svc = client.get(crds::services, ns, "store");
        service_message = status_of(svc, "message");
        return status_of(svc, "phase") == "Failed";
    })) << service_message;
    EXPECT_NE(service_message.find("belongs to App store"), std::string::npos) << service_message;
    EXPECT_EQ(client.get(crds::helmcharts, ns, "store").at("metadata").at("ownerReferences").at(0).at("kind").as_string(), "App");
}

TEST_F(DeployFollow, AServiceFollowsItsHelmInstall) {
    OperatorUnderTest op(settings);
    auto service = [&](const std::string& name) {
        return json::object{{"apiVersion", "apps.shapeblock.io/v1alpha1"},
                            {"kind", "Service"},
                            {"metadata", {{"name", name}, {"namespace", ns}}},
                            {"spec", {{"type", "redis"}}}};
    };
    auto phase_of = [&](const std::string& name, const std::string& phase, std::string& message) {
        return eventually([&] {
            auto svc = client.get(crds::services, ns, name);
            message = status_of(svc, "message");
            return status_of(svc, "phase") == phase;
        });
    };
    client.create(crds::services, service("cache"));
    client.create(crds::services, service("queue"));
    ASSERT_TRUE(eventually([&] {
        return client.try_get(crds::helmcharts, ns, "cache").has_value() && client.try_get(crds::helmcharts, ns, "queue").has_value();
    }));
    std::string message;
    ASSERT_TRUE(phase_of("cache", "Deploying", message));
    EXPECT_NE(message.find("helm-install-cache"), std::string::npos) << message;

    run_install_job(client, ns, "cache", true);
    ASSERT_TRUE(phase_of("cache", "Deploying", message)) << message;
    // Ready once the database runs: the chart's StatefulSet with its pod ready.
    create_release_statefulset(client, ns, "cache", "redis", 1);
    ASSERT_TRUE(eventually([&] { return make_release_pods_ready(client, ns, "cache") > 0; }));
    ASSERT_TRUE(phase_of("cache", "Ready", message)) << message;
    EXPECT_NE(message.find("cache-connection"), std::string::npos) << message;

    run_install_job(client, ns, "queue", false, "Error: INSTALLATION FAILED: PersistentVolumeClaim \"data\" is invalid");
    ASSERT_TRUE(phase_of("queue", "Failed", message)) << message;
    EXPECT_TRUE(message.starts_with("helm install failed")) << message;
    EXPECT_NE(message.find("PersistentVolumeClaim"), std::string::npos) << message;
}

// helm-controller's own Job shape: the helm container restarts in place
// (restartPolicy OnFailure) until the backoff limit; the Job controller then
// fails the Job and deletes the pod, and the failure is still explained.
TEST_F(DeployFollow, AnInstallRestartedPastItsBackoffLimitFailsTheApp) {
    OperatorUnderTest op(settings);
    built_and_written("retry");
    run_install_job_failing_by_restarts(client, ns, "retry");
    ASSERT_TRUE(app_reaches("retry", "Failed"));
    const auto message = status_of(app("retry"), "message");
    EXPECT_TRUE(message.starts_with("helm install failed (Job helm-install-retry: BackoffLimitExceeded")) << message;
    EXPECT_EQ(deployed("retry-1").reason, "HelmInstallFailed");
}
