// fetch_build_log against the real API server. No kubelet runs here, so the
// pods/log subresource cannot serve a log: these tests cover what stands in
// for it (termination messages, the recorded status once the pod is gone)
// and the errors. The requests themselves are checked in build_log_test.
#include <gtest/gtest.h>

#include <atomic>

#include "operator/appbuild/build_log.hpp"
#include "operator/common/crd_types.hpp"
#include "tests/operator/support/operator_harness.hpp"

namespace json = boost::json;
using namespace sb;
using namespace sb::op;
using namespace sb::op::testing;
using namespace std::chrono_literals;

namespace {

const std::string kSha = "4444444444444444444444444444444444444444";

class BuildLogIntegration : public ::testing::Test {
protected:
    void SetUp() override {
        install_crds(client);
        static std::atomic<int> n{0};
        ns = "logs-" + std::to_string(::getpid() % 10000) + "-" + std::to_string(n++);
        client.create_namespace(ns);
        settings.registry.secret_name = "registry-credentials";
    }
    std::string log_of(const std::string& build) { return client.run(appbuild::fetch_build_log(client.raw(), ns, build)); }

    SyncClient client;
    std::string ns;
    appbuild::AppBuildSettings settings;
};

}  // namespace

TEST_F(BuildLogIntegration, AMissingBuildIsAClearError) {
    try {
        log_of("nope-1");
        FAIL() << "no error";
    } catch (const appbuild::BuildLogError& e) {
        EXPECT_EQ(std::string(e.what()), "AppBuild " + ns + "/nope-1 not found");
    }
}

TEST_F(BuildLogIntegration, WithoutAKubeletTheTerminationMessagesStandIn) {
    OperatorUnderTest op(settings);
    client.create(crds::apps, app_object(ns, "web"));
    client.create(crds::appbuilds, appbuild_object(ns, "web-1", "web", kSha, "v1"));
    auto pod = wait_for_build_pod(client, ns, "web-1");
    EXPECT_NE(log_of("web-1").find("no container of pod"), std::string::npos) << "nothing has started yet";

    finish_pod(client, pod, "Failed", {{"clone", 0, clone_message(kSha, "dockerfile", "registry.example.com/x:v1")}},
               {{"build", 1, "STEP 2/3: RUN make\nmake: *** [all] Error 2"}});
    ASSERT_TRUE(eventually([&] { return status_of(client.get(crds::appbuilds, ns, "web-1"), "phase") == "Failed"; }));
    const auto text = log_of("web-1");
    // Without a node the API server serves an empty log. Both containers, in
    // order, each saying so, with what it recorded.
    const auto clone = text.find("==> clone (empty log; its termination message follows) <==");
    const auto build = text.find("==> build (empty log; its termination message follows) <==");
    ASSERT_NE(clone, std::string::npos) << text;
    ASSERT_NE(build, std::string::npos) << text;
    EXPECT_LT(clone, build);
    EXPECT_NE(text.find("commit=" + kSha), std::string::npos) << text;
    EXPECT_NE(text.find("make: *** [all] Error 2"), std::string::npos) << text;
}

TEST_F(BuildLogIntegration, ALogTheNodeCannotServeSaysWhy) {
    OperatorUnderTest op(settings);
    client.create(crds::apps, app_object(ns, "bound"));
    client.create(crds::appbuilds, appbuild_object(ns, "bound-1", "bound", kSha, "v1"));
    auto pod = wait_for_build_pod(client, ns, "bound-1");
    const std::string pod_name(pod.at("metadata").at("name").as_string());
    // Scheduled to a node that does not exist: the API server cannot reach a kubelet for its log.
    client.bind_pod(ns, pod_name, "ghost-node");
    pod = client.get(sb::kube::resources::pods, ns, pod_name);
    finish_pod(client, pod, "Failed", {{"clone", 12, "fatal: unable to access 'https://git.example.com/': Could not resolve host"}}, {});
    ASSERT_TRUE(eventually([&] { return status_of(client.get(crds::appbuilds, ns, "bound-1"), "phase") == "Failed"; }));
    const auto text = log_of("bound-1");
    EXPECT_NE(text.find("==> clone (log unavailable: "), std::string::npos) << text;
    EXPECT_NE(text.find("ghost-node"), std::string::npos) << "the error names the node: " << text;
    EXPECT_NE(text.find("Could not resolve host"), std::string::npos) << text;
    EXPECT_EQ(text.find("==> build"), std::string::npos) << "the build container never started: " << text;
}

TEST_F(BuildLogIntegration, OnceThePodIsGoneTheRecordedStatusIsShown) {
    OperatorUnderTest op(settings);
    client.create(crds::apps, app_object(ns, "api"));
    client.create(crds::appbuilds, appbuild_object(ns, "api-1", "api", kSha, "v1"));
    auto pod = wait_for_build_pod(client, ns, "api-1");
    finish_pod(client, pod, "Failed", {{"clone", 0, clone_message(kSha, "dockerfile", "registry.example.com/x:v1")}},
               {{"build", 2, "npm ERR! missing script: build"}});
    ASSERT_TRUE(eventually([&] { return status_of(client.get(crds::appbuilds, ns, "api-1"), "phase") == "Failed"; }));
    // The Job controller must have counted the failure, or it replaces the pod.
    ASSERT_TRUE(eventually([&] {
        auto job = client.try_get(sb::kube::resources::jobs, ns, "api-1");
        return job && get_int(*job, "status.failed").value_or(0) >= 1;
    }));
    client.remove(sb::kube::resources::pods, ns, std::string(pod.at("metadata").at("name").as_string()));
    ASSERT_TRUE(eventually([&] { return client.list(sb::kube::resources::pods, ns, "shapeblock.io/build=api-1").empty(); }));

    const auto text = log_of("api-1");
    EXPECT_NE(text.find("the build pod of AppBuild " + ns + "/api-1 is gone"), std::string::npos) << text;
    EXPECT_NE(text.find("phase: Failed"), std::string::npos) << text;
    EXPECT_NE(text.find("reason: BuildFailed"), std::string::npos) << text;
    EXPECT_NE(text.find("npm ERR! missing script: build"), std::string::npos) << text;
}

TEST_F(BuildLogIntegration, ABuildThatRanNoJobSaysSo) {
    OperatorUnderTest op(settings);
    client.create(crds::apps, app_object(ns, "img", "image"));
    client.create(crds::appbuilds, image_build_object(ns, "img-1", "img", "registry.example.com/" + ns + "/img:1"));
    ASSERT_TRUE(eventually([&] { return status_of(client.get(crds::appbuilds, ns, "img-1"), "phase") == "Completed"; }));
    EXPECT_NE(log_of("img-1").find("ran no build"), std::string::npos) << log_of("img-1");
}
