// observe_deploy: helm-controller's install Job, then the release's rollout.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "operator/helm/deploy_status.hpp"
#include "operator/helm/helm_chart_owner.hpp"

namespace json = boost::json;
using namespace sb::op::helm;

namespace {

const std::string kImage = "reg.example.com/p/web:v2@sha256:" + std::string(64, 'b');
const DeployTarget kTarget{"web", "job-0", kImage};

json::object job(const std::string& uid, json::array conditions = {}, std::int64_t failed = 0) {
    json::object status;
    if (!conditions.empty()) status["conditions"] = std::move(conditions);
    if (failed) status["failed"] = failed;
    return {{"metadata", {{"name", "helm-install-web"}, {"namespace", "p"}, {"uid", uid}}},
            {"status", std::move(status)}};
}

json::object condition(const std::string& type, const std::string& status, const std::string& reason = "",
                       const std::string& message = "") {
    return {{"type", type}, {"status", status}, {"reason", reason}, {"message", message}};
}

json::object helm_pod(json::object container_status) {
    container_status["name"] = "helm";
    return {{"metadata", {{"name", "helm-install-web-x1"}, {"uid", "pod-1"}, {"creationTimestamp", "2024-05-01T10:00:01Z"}}},
            {"status", {{"containerStatuses", json::array{std::move(container_status)}}}}};
}

json::object deployment(std::int64_t generation, std::int64_t observed, const std::string& image, std::int64_t replicas,
                        std::int64_t updated, std::int64_t available, json::array conditions = {}) {
    return {{"metadata", {{"name", "web-web"}, {"namespace", "p"}, {"generation", generation}}},
            {"spec",
             {{"replicas", replicas},
              {"template", {{"spec", {{"containers", json::array{json::object{{"name", "web"}, {"image", image}}}}}}}}}},
            {"status",
             {{"observedGeneration", observed},
              {"replicas", updated},
              {"updatedReplicas", updated},
              {"availableReplicas", available},
              {"conditions", std::move(conditions)}}}};
}

json::object complete_job() { return job("job-1", json::array{condition("Complete", "True")}); }

}  // namespace

TEST(DeployStatus, WaitsForHelmControllerWhileThereIsNoInstallJob) {
    auto o = observe_deploy(kTarget, nullptr, {}, {});
    EXPECT_EQ(o.state, DeployState::installing);
    EXPECT_EQ(o.reason, deploy_reasons::waiting);
    EXPECT_NE(o.message.find("helm-install-web"), std::string::npos) << o.message;
}

TEST(DeployStatus, AJobFromBeforeTheChartChangedIsIgnored) {
    auto old = job("job-0", json::array{condition("Failed", "True", "BackoffLimitExceeded")});
    EXPECT_EQ(observe_deploy(kTarget, &old, {}, {}).reason, deploy_reasons::waiting);
    auto deleting = complete_job();
    deleting["metadata"].as_object()["deletionTimestamp"] = "2024-05-01T10:00:02Z";
    EXPECT_EQ(observe_deploy(kTarget, &deleting, {}, {}).reason, deploy_reasons::waiting);
    auto next = job("job-1");
    EXPECT_EQ(observe_deploy(kTarget, &next, {}, {}).reason, deploy_reasons::installing);
    // A chart written by an operator that did not record the Job: every Job counts.
    EXPECT_EQ(observe_deploy(DeployTarget{"web", "", kImage}, &old, {}, {}).state, DeployState::failed);
}

TEST(DeployStatus, ARetriedAttemptAsksForItsPreviousLog) {
    auto j = job("job-1");
    json::array pods{helm_pod({{"restartCount", 2},
                               {"state", {{"running", json::object{}}}},
                               {"lastState", {{"terminated", {{"exitCode", 1}, {"reason", "Error"}}}}}})};
    std::vector<json::object> list{pods[0].as_object()};
    auto o = observe_deploy(kTarget, &j, list, {});
    EXPECT_EQ(o.state, DeployState::installing);
    EXPECT_EQ(o.reason, deploy_reasons::retrying);
    EXPECT_NE(o.message.find("2 attempts failed"), std::string::npos) << o.message;
    EXPECT_TRUE(o.wants_log);
    EXPECT_EQ(o.attempt.pod, "helm-install-web-x1");
    EXPECT_EQ(o.attempt.pod_uid, "pod-1");
    EXPECT_EQ(o.attempt.restarts, 2);
    EXPECT_TRUE(o.attempt.previous);
    add_log_lines(o, "line 1\n\nError: INSTALLATION FAILED: chart not found\n");
    EXPECT_FALSE(o.wants_log);
    EXPECT_NE(o.message.find("line 1\nError: INSTALLATION FAILED: chart not found"), std::string::npos) << o.message;
}

TEST(DeployStatus, AFailedJobFailsWithTheTerminationMessage) {
    auto j = job("job-1",
                 json::array{condition("Failed", "True", "BackoffLimitExceeded", "Job has reached the specified backoff limit")}, 1);
    std::vector<json::object> pods{helm_pod(
        {{"restartCount", 0},
         {"state", {{"terminated", {{"exitCode", 1}, {"message", "Error: UPGRADE FAILED: timed out waiting\n"}}}}}})};
    auto o = observe_deploy(kTarget, &j, pods, {});
    EXPECT_EQ(o.state, DeployState::failed);
    EXPECT_EQ(o.reason, deploy_reasons::install_failed);
    EXPECT_TRUE(o.message.starts_with("helm install failed"));
    EXPECT_NE(o.message.find("BackoffLimitExceeded"), std::string::npos) << o.message;
    EXPECT_NE(o.message.find("Error: UPGRADE FAILED: timed out waiting"), std::string::npos) << o.message;
    EXPECT_FALSE(o.wants_log);
    // Without pods (the Job controller deleted them) the Job's condition still explains.
    auto bare = observe_deploy(kTarget, &j, {}, {});
    EXPECT_EQ(bare.state, DeployState::failed);
    EXPECT_FALSE(bare.wants_log);
    EXPECT_TRUE(bare.wants_last_log) << "the lines of the last attempt seen explain it";
    EXPECT_NE(bare.message.find("backoff limit"), std::string::npos);
    EXPECT_FALSE(o.wants_last_log);
}

TEST(DeployStatus, AfterTheInstallTheRolloutIsFollowed) {
    auto j = complete_job();
    auto o = observe_deploy(kTarget, &j, {}, {});
    EXPECT_EQ(o.state, DeployState::rolling_out);
    EXPECT_NE(o.message.find("app.kubernetes.io/instance=web"), std::string::npos) << o.message;

    EXPECT_EQ(observe_deploy(kTarget, &j, {}, {deployment(3, 2, kImage, 1, 1, 1)}).state, DeployState::rolling_out);
    auto old_image = observe_deploy(kTarget, &j, {}, {deployment(2, 2, "reg.example.com/p/web:v1", 1, 1, 1)});
    EXPECT_EQ(old_image.state, DeployState::rolling_out);
    EXPECT_NE(old_image.message.find("still runs reg.example.com/p/web:v1"), std::string::npos) << old_image.message;
    auto unavailable = observe_deploy(kTarget, &j, {}, {deployment(2, 2, kImage, 2, 2, 1)});
    EXPECT_EQ(unavailable.state, DeployState::rolling_out);
    EXPECT_NE(unavailable.message.find("1 of 2 updated replicas available"), std::string::npos) << unavailable.message;

    auto running = observe_deploy(kTarget, &j, {}, {deployment(2, 2, kImage, 2, 2, 2)});
    EXPECT_EQ(running.state, DeployState::running);
    EXPECT_EQ(running.reason, deploy_reasons::running);
    // Another image of another repository (a sidecar) does not matter.
    auto d = deployment(2, 2, kImage, 1, 1, 1);
    d["spec"].as_object()["template"].as_object()["spec"].as_object()["containers"].as_array().push_back(
        json::object{{"name", "proxy"}, {"image", "envoyproxy/envoy:v1.30"}});
    EXPECT_EQ(observe_deploy(kTarget, &j, {}, {d}).state, DeployState::running);
}

TEST(DeployStatus, ProgressDeadlineExceededFailsTheRollout) {
    auto j = complete_job();
    auto stuck = deployment(2, 2, kImage, 1, 1, 0,
                            json::array{condition("Progressing", "False", "ProgressDeadlineExceeded",
                                                  "ReplicaSet \"web-web-5d\" has timed out progressing.")});
    auto o = observe_deploy(kTarget, &j, {}, {stuck});
    EXPECT_EQ(o.state, DeployState::failed);
    EXPECT_EQ(o.reason, deploy_reasons::rollout_failed);
    EXPECT_TRUE(o.message.starts_with("rollout failed: Deployment web-web"));
    EXPECT_NE(o.message.find("timed out progressing"), std::string::npos);
    // A condition from before the Deployment's last change says nothing yet.
    auto newer = stuck;
    newer["metadata"].as_object()["generation"] = 3;
    EXPECT_EQ(observe_deploy(kTarget, &j, {}, {newer}).state, DeployState::rolling_out);
}

TEST(DeployStatus, LastLinesKeepsTheEndWithoutBlankLines) {
    EXPECT_EQ(last_lines("a\n\nb\r\nc  \n", 2), "b\nc");
    EXPECT_EQ(last_lines("", 3), "");
    EXPECT_EQ(last_lines("only", 3), "only");
}

TEST(HelmChartOwner, AChartOfAnotherOwnerIsNeverTakenOver) {
    json::object missing{{"metadata", {{"name", "db"}, {"namespace", "p"}}}};
    EXPECT_NO_THROW(check_chart_owner(missing, "App", "app-uid"));
    auto owned_by = [](const std::string& kind, const std::string& uid) {
        return json::object{{"metadata",
                             {{"name", "db"},
                              {"namespace", "p"},
                              {"uid", "chart-uid"},
                              {"ownerReferences", json::array{{{"apiVersion", "apps.shapeblock.io/v1alpha1"},
                                                               {"kind", kind},
                                                               {"name", "db"},
                                                               {"uid", uid},
                                                               {"controller", true}}}}}}};
    };
    EXPECT_NO_THROW(check_chart_owner(owned_by("App", "app-uid"), "App", "app-uid"));
    try {
        check_chart_owner(owned_by("Service", "svc-uid"), "App", "app-uid");
        FAIL() << "no conflict reported";
    } catch (const ChartOwnedElsewhere& e) {
        EXPECT_NE(std::string(e.what()).find("belongs to Service db"), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find("cannot share a name"), std::string::npos) << e.what();
    }
    EXPECT_THROW(check_chart_owner(owned_by("App", "old-uid"), "App", "app-uid"), ChartOwnedElsewhere);
    json::object foreign{{"metadata", {{"name", "db"}, {"namespace", "p"}, {"uid", "chart-uid"}}}};
    EXPECT_THROW(check_chart_owner(foreign, "Service", "svc-uid"), ChartOwnedElsewhere);
}
