// An app's lifecycle end to end on the local control plane, through the
// REST API only: the project's quota reaches the Project, scale, autoscale,
// stop, start, restart and domains reach the App object; a build's
// completion (the test plays the kubelet) makes a release with the built
// image; a rollback restores the old config in the App and creates an
// AppBuild deploying the old image.
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "common/json_fields.hpp"
#include "operator/common/crd_types.hpp"
#include "tests/operator/support/operator_harness.hpp"
#include "tests/stack/stack_test.hpp"

namespace sb::stacktest {
namespace {

namespace json = boost::json;
namespace crds = op::crds;
using namespace std::chrono_literals;

const std::string kDigest = "sha256:" + std::string(64, 'f');

class StackLifecycle : public StackTest {
protected:
    std::optional<json::object> app_object(const std::function<bool(const json::object&)>& ok) {
        return in_cluster(crds::apps, "shop", "web", ok);
    }
    // A build through the API, its pod finished by the test as the kubelet; returns the build's id.
    std::string build(const std::string& app_path, const std::string& tag) {
        const std::string commit(40, tag.back());
        auto b = expect_json(api().post(app_path + "/builds", json::object{{"gitRef", commit}, {"imageTag", tag}}), 201, "build");
        const std::string id(b.at("id").as_string());
        auto pod = op::testing::wait_for_build_pod(kube, "shop", "build-" + id);
        const auto image = op::testing::requested_image(pod);
        op::testing::finish_pod(kube, pod, "Succeeded", {{"clone", 0, op::testing::clone_message(commit, "dockerfile", image)}},
                                {{"build", 0, kDigest}});
        EXPECT_TRUE(wait_until([&] {
            auto r = api().get(app_path + "/builds/" + id);
            return r.status == 200 && r.json().at("status").at("phase") == "Completed";
        }, 60s)) << api().get(app_path + "/builds/" + id).body;
        return id;
    }
    json::array releases(const std::string& app_path) {
        return expect_json(api().get(app_path + "/releases"), 200, "releases").at("items").as_array();
    }

};

TEST_F(StackLifecycle, ScaleStopStartRestartDomainsAndRollbackReachTheCluster) {
    auto project = expect_json(api().post(team_path() + "/projects",
                                          json::object{{"name", "shop"},
                                                       {"clusterId", stack_->cluster_id()},
                                                       {"quota", {{"pods", 10}}}}),
                               201, "project");
    const std::string project_path = team_path() + "/projects/" + std::string(project.at("id").as_string());
    EXPECT_TRUE(in_cluster(crds::projects, "", "shop", [](const json::object& p) {
        return get_int(p, "spec.quota.pods") == 10;
    })) << "the quota never reached the Project";

    auto app = expect_json(api().post(project_path + "/apps", json::object{{"name", "web"},
                                                                           {"git", {{"url", "https://git.example.test/team/web.git"}}},
                                                                           {"registry", {{"url", "registry.example.test"}}}}),
                           201, "app");
    const std::string app_path = project_path + "/apps/" + std::string(app.at("id").as_string());
    ASSERT_TRUE(app_object([](const json::object&) { return true; }));

    // v1: a build and its release with the built image.
    build(app_path, "v1");
    auto list = releases(app_path);
    ASSERT_EQ(list.size(), 1u) << json::serialize(list);
    EXPECT_EQ(list[0].at("kind").as_string(), "build");
    EXPECT_NE(list[0].at("image").as_string().find("registry.example.test/shop/web:v1"), std::string::npos) << list[0];
    const std::string v1_image(list[0].at("image").as_string());

    // v2: scale with resources and autoscaling.
    expect_json(api().post(app_path + "/scale", json::parse(R"({"replicas":2,
        "resources":{"requests":{"cpu":"100m","memory":"128Mi"},"limits":{"cpu":"500m","memory":"256Mi"}},
        "autoscaling":{"minReplicas":2,"maxReplicas":4,"targetCPUUtilizationPercentage":75}})")),
                200, "scale");
    EXPECT_TRUE(app_object([](const json::object& a) {
        return get_int(a, "spec.replicas") == 2 && get_int(a, "spec.autoscaling.maxReplicas") == 4 &&
               get_int(a, "spec.autoscaling.targetCPUUtilizationPercentage") == 75 &&
               get_string(a, "spec.resources.limits.memory") == "256Mi" && get_string(a, "spec.resources.requests.cpu") == "100m";
    })) << "the scale never reached the App";
    // Beyond the quota (10 pods; CPU and memory are left out so the build
    // pods need no limits in the namespace): refused.
    auto refused = api().post(app_path + "/scale", json::parse(R"({"autoscaling":{"maxReplicas":20,"targetCPUUtilizationPercentage":75}})"));
    EXPECT_EQ(refused.status, 422) << refused.body;
    EXPECT_EQ(refused.error_field(), "autoscaling.maxReplicas");

    // Stop, start, restart.
    expect_json(api().post(app_path + "/stop", json::object{}), 200, "stop");
    EXPECT_TRUE(app_object([](const json::object& a) { return get_bool(a, "spec.stopped") == true && get_int(a, "spec.replicas") == 2; }));
    expect_json(api().post(app_path + "/start", json::object{}), 200, "start");
    EXPECT_TRUE(app_object([](const json::object& a) { return get_bool(a, "spec.stopped") == false; }));
    auto restarted = expect_json(api().post(app_path + "/restart", json::object{}), 200, "restart");
    const std::string restarted_at(restarted.at("restartedAt").as_string());
    EXPECT_TRUE(app_object([&](const json::object& a) { return get_string(a, "spec.restartedAt") == restarted_at; }));

    // v3: a domain.
    expect_json(api().post(app_path + "/domains", json::object{{"host", "shop.example.test"}}), 201, "domain");
    EXPECT_TRUE(app_object([](const json::object& a) {
        const auto* d = find_array(a, "spec.domains");
        return d && d->size() == 1 && d->at(0) == "shop.example.test";
    }));
    auto domains = expect_json(api().get(app_path + "/domains"), 200, "domains");
    EXPECT_EQ(domains.at("items").at(0).at("host").as_string(), "shop.example.test");

    // v4: autoscaling off, 3 replicas; v5: a second build.
    expect_json(api().post(app_path + "/scale", json::parse(R"({"replicas":3,"autoscaling":null})")), 200, "scale again");
    build(app_path, "v2");
    ASSERT_EQ(releases(app_path).size(), 5u);

    // Roll back to v2 (v1's image, 2 replicas with autoscaling, no domain).
    auto rolled = expect_json(api().post(app_path + "/rollback", json::object{{"release", 2}}), 200, "rollback");
    EXPECT_EQ(rolled.at("replicas").as_int64(), 2);
    auto latest = releases(app_path).at(0);
    EXPECT_EQ(latest.at("description").as_string(), "rollback to v2");
    EXPECT_EQ(latest.at("image").as_string(), v1_image);
    EXPECT_TRUE(app_object([](const json::object& a) {
        return get_int(a, "spec.replicas") == 2 && get_int(a, "spec.autoscaling.maxReplicas") == 4 && !find_value(a, "spec.domains");
    })) << "the rollback's config never reached the App: " << json::serialize(*kube.try_get(crds::apps, "shop", "web"));
    const std::string deploy_name = "build-" + std::string(latest.at("buildId").as_string());
    auto deploy = in_cluster(crds::appbuilds, "shop", deploy_name, [](const json::object&) { return true; });
    ASSERT_TRUE(deploy) << "no AppBuild " << deploy_name;
    EXPECT_EQ(get_string(*deploy, "spec.image"), v1_image);
    EXPECT_EQ(get_string(*deploy, "spec.appName"), "web");
}

}  // namespace
}  // namespace sb::stacktest
