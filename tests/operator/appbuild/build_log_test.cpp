// The pure parts of build logs: which container logs are requested, and the
// recorded text that stands in for them.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "operator/appbuild/build_log.hpp"

namespace json = boost::json;
using namespace sb::op::appbuild;

namespace {

json::object build_pod() {
    return json::parse(R"({
      "metadata": {"name": "web-1-abcde"},
      "spec": {"initContainers": [{"name": "clone"}, {"name": "build-dockerfile"}],
               "containers": [{"name": "build-buildpack"}]},
      "status": {
        "initContainerStatuses": [
          {"name": "clone", "state": {"terminated": {"exitCode": 0, "message": "commit=abc\ntype=dockerfile\n"}}},
          {"name": "build-dockerfile", "state": {"terminated": {"exitCode": 1, "message": "error: step 3 failed"}}}],
        "containerStatuses": [{"name": "build-buildpack", "state": {"waiting": {"reason": "PodInitializing"}}}]}
    })").as_object();
}

}  // namespace

TEST(BuildLog, RequestsTheStartedContainersInTheOrderTheyRan) {
    auto requests = build_log_requests(build_pod(), 1024);
    ASSERT_EQ(requests.size(), 2u);
    EXPECT_EQ(requests[0].container, "clone");
    EXPECT_EQ(requests[0].options.container, "clone");
    EXPECT_EQ(requests[1].container, "build-dockerfile");
    for (const auto& r : requests) {
        EXPECT_EQ(r.options.limit_bytes, 1024);
        EXPECT_FALSE(r.options.follow);
        EXPECT_FALSE(r.options.previous) << "build pods never restart (restartPolicy Never)";
    }
    json::object pending = build_pod();
    pending["status"] = json::object{};
    EXPECT_TRUE(build_log_requests(pending, 1024).empty());
}

TEST(BuildLog, ListsEveryContainerInTheOrderTheyRun) {
    EXPECT_EQ(build_containers(build_pod()), (std::vector<std::string>{"clone", "build-dockerfile", "build-buildpack"}));
    EXPECT_TRUE(build_containers(json::object{}).empty());
}

TEST(BuildLog, AFollowedContainerWaitsUntilItStartsOrThePodEnds) {
    auto pod = build_pod();
    EXPECT_EQ(container_progress(pod, "clone"), ContainerProgress::started);
    EXPECT_EQ(container_progress(pod, "build-buildpack"), ContainerProgress::waiting);
    auto running = build_pod();
    running["status"].as_object()["containerStatuses"] =
        json::parse(R"([{"name": "build-buildpack", "state": {"running": {"startedAt": "2026-12-03T16:26:25Z"}}}])");
    EXPECT_EQ(container_progress(running, "build-buildpack"), ContainerProgress::started);
    json::object pending = build_pod();
    pending["status"] = json::object{{"phase", "Pending"}};
    EXPECT_EQ(container_progress(pending, "clone"), ContainerProgress::waiting) << "no status yet: it may still start";
    pod["status"].as_object()["phase"] = "Failed";
    EXPECT_EQ(container_progress(pod, "build-buildpack"), ContainerProgress::skipped) << "the pod ended without it";
    EXPECT_EQ(container_progress(pod, "clone"), ContainerProgress::started);
    pending["metadata"].as_object()["deletionTimestamp"] = "2026-12-03T16:26:30Z";
    EXPECT_EQ(container_progress(pending, "clone"), ContainerProgress::skipped) << "a pod being deleted starts nothing";
}

TEST(BuildLog, TerminationMessagesStandInForLogs) {
    EXPECT_EQ(recorded_container_text(build_pod(), "build-dockerfile"), "error: step 3 failed");
    EXPECT_EQ(recorded_container_text(build_pod(), "clone"), "commit=abc\ntype=dockerfile\n");
    EXPECT_EQ(recorded_container_text(build_pod(), "build-buildpack"), "");
    EXPECT_EQ(recorded_container_text(build_pod(), "nope"), "");
}

TEST(BuildLog, TheRecordedSummaryNamesWhatTheBuildKnew) {
    auto build = json::parse(R"({"metadata": {"name": "web-1"},
      "status": {"phase": "Failed", "reason": "BuildFailed", "podName": "web-1-abcde",
                 "message": "build failed with exit code 1: error: step 3 failed"}})").as_object();
    auto text = recorded_build_summary(build);
    EXPECT_NE(text.find("phase: Failed\n"), std::string::npos) << text;
    EXPECT_NE(text.find("reason: BuildFailed\n"), std::string::npos) << text;
    EXPECT_NE(text.find("message: build failed with exit code 1: error: step 3 failed\n"), std::string::npos) << text;
    EXPECT_EQ(text.find("commit:"), std::string::npos) << "absent fields are left out";
    EXPECT_EQ(recorded_build_summary(json::object{}), "(the build recorded no status)\n");
}
