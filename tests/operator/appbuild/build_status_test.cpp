#include "operator/appbuild/build_status.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "operator/appbuild/job_builder.hpp"

namespace json = boost::json;
using namespace sb;
using namespace sb::op::appbuild;
using namespace std::chrono_literals;

namespace {

const std::string kCommit = "3f786850e387550fdab836ed7e6dc881de23001b";
const std::string kDigest = "sha256:" + std::string(64, 'a');
const auto kNow = *parse_rfc3339("2024-03-20T10:30:00Z");

json::object terminated(std::string_view name, int exit_code, std::string_view message = "",
                        std::string_view reason = "") {
    json::object t{{"exitCode", exit_code}, {"finishedAt", "2024-03-20T10:20:00Z"}};
    if (!message.empty()) t["message"] = message;
    t["reason"] = reason.empty() ? (exit_code == 0 ? "Completed" : "Error") : reason;
    return {{"name", name}, {"state", {{"terminated", t}}}};
}

json::object running(std::string_view name) {
    return {{"name", name}, {"state", {{"running", {{"startedAt", "2024-03-20T10:10:00Z"}}}}}};
}

json::object waiting(std::string_view name, std::string_view reason) {
    return {{"name", name}, {"state", {{"waiting", {{"reason", reason}, {"message", "back-off pulling image"}}}}}};
}

json::object pod(std::string_view phase, json::array init_statuses, json::array statuses = {}) {
    json::object status{{"phase", phase}, {"startTime", "2024-03-20T10:05:00Z"}};
    if (!init_statuses.empty()) status["initContainerStatuses"] = std::move(init_statuses);
    if (!statuses.empty()) status["containerStatuses"] = std::move(statuses);
    return {{"metadata", {{"name", "b1-x7k2p"}, {"creationTimestamp", "2024-03-20T10:00:00Z"}}},
            {"spec",
             {{"containers",
               json::array{{{"name", "build"}, {"resources", {{"limits", {{"memory", "2Gi"}}}}}}}}}},
            {"status", std::move(status)}};
}

json::object job_with_condition(std::string_view type, std::string_view reason) {
    return {{"metadata", {{"name", "b1"}}},
            {"spec", {{"activeDeadlineSeconds", 1800}}},
            {"status",
             {{"startTime", "2024-03-20T10:00:00Z"},
              {"conditions",
               json::array{{{"type", type}, {"status", "True"}, {"reason", reason},
                            {"lastTransitionTime", "2024-03-20T10:30:00Z"}}}}}}};
}

std::string clone_message(std::string_view type = "dockerfile") {
    return "commit=" + kCommit + "\ntype=" + std::string(type) + "\nimage=reg/p/app:v1\n";
}

// Where the tests' builds were asked to push.
const ImageDestination kDestination{"reg/p/app", "v1"};

BuildObservation observe(const json::object* job, std::vector<json::object> pods,
                         const ImageDestination& destination = kDestination) {
    return observe_build(job, pods, kNow, BuildConfig{}, destination);
}

}  // namespace

TEST(BuildStatus, NothingYetIsPending) {
    auto o = observe(nullptr, {});
    EXPECT_EQ(o.phase, BuildPhase::pending);
}

TEST(BuildStatus, CloneRunningIsBuilding) {
    auto o = observe(nullptr, {pod("Pending", {running("clone")}, {waiting("build", "PodInitializing")})});
    EXPECT_EQ(o.phase, BuildPhase::building);
    EXPECT_EQ(o.message, "cloning the repository");
    EXPECT_EQ(o.pod_name, "b1-x7k2p");
    EXPECT_EQ(o.start_time, "2024-03-20T10:05:00Z");
}

TEST(BuildStatus, SucceededPodCompletesWithCommitImageAndDigest) {
    auto o = observe(nullptr, {pod("Succeeded", {terminated("clone", 0, clone_message())},
                                   {terminated("build", 0, kDigest + "\n")})});
    EXPECT_EQ(o.phase, BuildPhase::completed);
    EXPECT_EQ(o.commit, kCommit);
    EXPECT_EQ(o.build_type, "dockerfile");
    EXPECT_EQ(o.image, "reg/p/app:v1");
    EXPECT_EQ(o.digest, kDigest);
    EXPECT_EQ(o.completion_time, "2024-03-20T10:20:00Z");
}

TEST(BuildStatus, DetectedBuildpackTakesTheDigestOfTheBuilderThatRan) {
    auto o = observe(nullptr, {pod("Succeeded",
                                   {terminated("clone", 0, clone_message("buildpack")), terminated("build-dockerfile", 0)},
                                   {terminated("build-buildpack", 0, kDigest)})});
    EXPECT_EQ(o.phase, BuildPhase::completed);
    EXPECT_EQ(o.build_type, "buildpack");
    EXPECT_EQ(o.digest, kDigest);
}

TEST(BuildStatus, CloneAuthFailure) {
    auto o = observe(nullptr, {pod("Failed", {terminated("clone", clone_auth_failed,
                                                         "fatal: Authentication failed for 'https://x/y.git'\n"
                                                         "shapeblock: clone failed: fetch: authentication failed")})});
    EXPECT_EQ(o.phase, BuildPhase::failed);
    EXPECT_EQ(o.reason, reasons::clone_failed);
    EXPECT_NE(o.message.find("authentication failed"), std::string::npos) << o.message;
    EXPECT_NE(o.message.find("deploy key"), std::string::npos) << o.message;
    EXPECT_NE(o.message.find("Authentication failed for 'https://x/y.git'"), std::string::npos) << o.message;
}

TEST(BuildStatus, CloneRefNotFound) {
    auto o = observe(nullptr, {pod("Failed", {terminated("clone", clone_ref_not_found,
                                                         "fatal: couldn't find remote ref nope")})});
    EXPECT_EQ(o.reason, reasons::clone_failed);
    EXPECT_NE(o.message.find("ref does not exist"), std::string::npos) << o.message;
}

TEST(BuildStatus, BuildFailureCarriesExitCodeAndLastLines) {
    std::string log;
    for (int i = 1; i <= 30; ++i) log += "step " + std::to_string(i) + "\n";
    log += "error building image: RUN npm ci: exit status 1\n";
    auto o = observe(nullptr, {pod("Failed", {terminated("clone", 0, clone_message())}, {terminated("build", 1, log)})});
    EXPECT_EQ(o.phase, BuildPhase::failed);
    EXPECT_EQ(o.reason, reasons::build_failed);
    EXPECT_NE(o.message.find("exit code 1"), std::string::npos);
    EXPECT_NE(o.message.find("RUN npm ci: exit status 1"), std::string::npos);
    EXPECT_EQ(o.message.find("step 5\n"), std::string::npos) << "only the last lines: " << o.message;
    EXPECT_EQ(o.commit, kCommit);
}

TEST(BuildStatus, PushFailure) {
    auto o = observe(nullptr, {pod("Failed", {terminated("clone", 0, clone_message())},
                                   {terminated("build", 1, "error pushing image: failed to push to destination "
                                                           "reg/p/app:v1: UNAUTHORIZED")})});
    EXPECT_EQ(o.reason, reasons::push_failed);
    EXPECT_NE(o.message.find("registry credentials"), std::string::npos);
}

TEST(BuildStatus, OomKilled) {
    auto o = observe(nullptr, {pod("Failed", {terminated("clone", 0, clone_message())},
                                   {terminated("build", 137, "", "OOMKilled")})});
    EXPECT_EQ(o.reason, reasons::oom_killed);
    EXPECT_NE(o.message.find("limit 2Gi"), std::string::npos) << o.message;
}

TEST(BuildStatus, DeadlineExceededFromTheJob) {
    auto job = job_with_condition("Failed", "DeadlineExceeded");
    auto o = observe(&job, {});
    EXPECT_EQ(o.phase, BuildPhase::failed);
    EXPECT_EQ(o.reason, reasons::deadline_exceeded);
    EXPECT_NE(o.message.find("1800s"), std::string::npos);
}

TEST(BuildStatus, JobFailedWithPodExplainsThePod) {
    auto job = job_with_condition("Failed", "BackoffLimitExceeded");
    auto o = observe(&job, {pod("Failed", {terminated("clone", clone_unreachable, "Could not resolve host")})});
    EXPECT_EQ(o.reason, reasons::clone_failed);
    EXPECT_NE(o.message.find("cannot be reached"), std::string::npos);
}

TEST(BuildStatus, AFailedJobWaitsBrieflyForThePodStatusThatExplainsIt) {
    // The Job's condition arrived first; the cached pod still runs its build.
    auto job = job_with_condition("Failed", "BackoffLimitExceeded");  // failed at kNow
    auto stale = pod("Running", {terminated("clone", 0, clone_message())}, {running("build")});
    auto o = observe(&job, {stale});
    EXPECT_NE(o.phase, BuildPhase::failed);
    EXPECT_GT(o.recheck_after.count(), 0);
    // The pod's status arrives: its reason is reported.
    auto failed = pod("Failed", {terminated("clone", 0, clone_message())}, {terminated("build", 3, "RUN exit 3")});
    auto explained = observe(&job, {failed});
    EXPECT_EQ(explained.reason, reasons::build_failed);
    EXPECT_NE(explained.message.find("RUN exit 3"), std::string::npos) << explained.message;
    // Never forever: later, the generic failure stands.
    auto late = observe_build(&job, {stale}, kNow + 11s, BuildConfig{}, kDestination);
    EXPECT_EQ(late.phase, BuildPhase::failed);
}

TEST(BuildStatus, JobCompleteIsCompleted) {
    auto job = job_with_condition("Complete", "");
    auto o = observe(&job, {pod("Succeeded", {terminated("clone", 0, clone_message())},
                                {terminated("build", 0, kDigest + "\n")})});
    EXPECT_EQ(o.phase, BuildPhase::completed);
    EXPECT_EQ(o.image, "reg/p/app:v1");
    // Complete, but its pod is gone: nothing says what was pushed, so nothing is deployed.
    auto gone = observe(&job, {});
    EXPECT_EQ(gone.phase, BuildPhase::failed);
    EXPECT_EQ(gone.reason, reasons::image_missing);
}

TEST(BuildStatus, ASucceededPodWithoutImageOrDigestFails) {
    // The builder wrote no digest (e.g. a builder image whose script ignores the digest file).
    auto no_digest = observe(nullptr, {pod("Succeeded", {terminated("clone", 0, clone_message())}, {terminated("build", 0)})});
    EXPECT_EQ(no_digest.phase, BuildPhase::failed);
    EXPECT_EQ(no_digest.reason, reasons::image_missing);
    EXPECT_EQ(no_digest.message,
              "the build pod succeeded but reported no pushed image: the clone step reported image 'reg/p/app:v1', the "
              "build step digest nothing; expected reg/p/app:v1 with a sha256 digest");
    // The clone step named no image.
    auto no_image = observe(nullptr, {pod("Succeeded", {terminated("clone", 0, "commit=" + kCommit + "\n")},
                                          {terminated("build", 0, kDigest)})});
    EXPECT_EQ(no_image.reason, reasons::image_missing);
    EXPECT_NE(no_image.message.find("clone step reported image nothing"), std::string::npos) << no_image.message;
}

TEST(BuildStatus, APodReportingAnotherImageThanAskedForFails) {
    auto succeeded = pod("Succeeded", {terminated("clone", 0, clone_message())}, {terminated("build", 0, kDigest)});
    auto other_tag = observe(nullptr, {succeeded}, ImageDestination{"reg/p/app", "v2"});
    EXPECT_EQ(other_tag.phase, BuildPhase::failed);
    EXPECT_EQ(other_tag.reason, reasons::image_mismatch);
    EXPECT_EQ(other_tag.message, "the build pod reported image 'reg/p/app:v1' but the operator asked for reg/p/app:v2");
    auto other_repository = observe(nullptr, {succeeded}, ImageDestination{"reg/p/other", "v1"});
    EXPECT_EQ(other_repository.reason, reasons::image_mismatch);
    // No tag asked for: the commit's first 12 characters.
    auto by_commit = pod("Succeeded",
                         {terminated("clone", 0, "commit=" + kCommit + "\ntype=dockerfile\nimage=reg/p/app:" +
                                                     kCommit.substr(0, 12) + "\n")},
                         {terminated("build", 0, kDigest)});
    EXPECT_EQ(observe(nullptr, {by_commit}, ImageDestination{"reg/p/app", ""}).phase, BuildPhase::completed);
    EXPECT_EQ(observe(nullptr, {succeeded}, ImageDestination{"reg/p/app", ""}).reason, reasons::image_mismatch);
}

TEST(BuildStatus, ACommitBuiltBeforeIsReportedAsReused) {
    auto o = observe(nullptr, {pod("Succeeded", {terminated("clone", 0, "commit=" + kCommit + "\nreuse=true\n")},
                                   {terminated("build", 0)})});
    EXPECT_EQ(o.phase, BuildPhase::completed);
    EXPECT_TRUE(o.reused);
    EXPECT_EQ(o.commit, kCommit);
    EXPECT_EQ(o.image, "");
}

TEST(BuildStatus, UnschedulableFailsOnlyAfterTheTimeout) {
    auto p = pod("Pending", {});
    p["status"].as_object()["conditions"] = json::array{{{"type", "PodScheduled"},
                                                         {"status", "False"},
                                                         {"reason", "Unschedulable"},
                                                         {"message", "0/1 nodes are available: 1 Insufficient memory."},
                                                         {"lastTransitionTime", "2024-03-20T10:25:00Z"}}};
    auto early = observe(nullptr, {p});
    EXPECT_EQ(early.phase, BuildPhase::pending);
    EXPECT_EQ(early.recheck_after, 300s);
    EXPECT_NE(early.message.find("Insufficient memory"), std::string::npos);

    p["status"].as_object()["conditions"].as_array()[0].as_object()["lastTransitionTime"] = "2024-03-20T10:15:00Z";
    auto late = observe(nullptr, {p});
    EXPECT_EQ(late.phase, BuildPhase::failed);
    EXPECT_EQ(late.reason, reasons::unschedulable);
    EXPECT_TRUE(late.stop_job);
    EXPECT_NE(late.message.find("Insufficient memory"), std::string::npos);
}

TEST(BuildStatus, ImagePullBackOffFailsAfterTheTimeout) {
    auto p = pod("Pending", {waiting("clone", "ImagePullBackOff")});
    auto o = observe(nullptr, {p});  // created 30 min before kNow, timeout 10 min
    EXPECT_EQ(o.phase, BuildPhase::failed);
    EXPECT_EQ(o.reason, reasons::image_pull_failed);
    EXPECT_TRUE(o.stop_job);
}

TEST(BuildStatus, NewestPodCounts) {
    auto old_pod = pod("Failed", {terminated("clone", 13)});
    auto new_pod = pod("Running", {terminated("clone", 0, clone_message())}, {running("build")});
    new_pod["metadata"].as_object()["creationTimestamp"] = "2024-03-20T10:01:00Z";
    auto o = observe(nullptr, {old_pod, new_pod});
    EXPECT_EQ(o.phase, BuildPhase::building);
}

TEST(BuildStatus, TheOperatorEnforcesTheDeadlineWhenTheJobControllerHasNot) {
    json::object job{{"metadata", {{"name", "b1"}}},
                     {"spec", {{"activeDeadlineSeconds", 600}}},
                     {"status", {{"startTime", "2024-03-20T10:00:00Z"}}}};
    auto running_pod = pod("Running", {terminated("clone", 0, clone_message())}, {running("build")});
    auto late = observe(&job, {running_pod});  // 30 min after the start, deadline 10 min (+30 s grace)
    EXPECT_EQ(late.phase, BuildPhase::failed);
    EXPECT_EQ(late.reason, reasons::deadline_exceeded);
    EXPECT_TRUE(late.stop_job);
    job["spec"].as_object()["activeDeadlineSeconds"] = 3600;
    auto early = observe(&job, {running_pod});
    EXPECT_EQ(early.phase, BuildPhase::building);
    EXPECT_EQ(early.recheck_after, std::chrono::seconds(3600 - 1800 + 30 + 1));
}
