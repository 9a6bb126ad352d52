#include "operator/appbuild/build_status.hpp"

#include <algorithm>

#include "operator/appbuild/build_pod.hpp"
#include "operator/appbuild/job_builder.hpp"
#include "operator/appbuild/pod_failure.hpp"
#include "operator/appbuild/termination_message.hpp"
#include "operator/common/crd_types.hpp"

namespace sb::op::appbuild {

namespace json = boost::json;
using Clock = std::chrono::system_clock;

constexpr std::chrono::seconds kDeadlineGrace{30};
// The Job's Failed condition can reach the operator's cache before the pod
// status that explains it: this long, the operator waits for that status.
constexpr std::chrono::seconds kPodStatusGrace{10};

namespace {

std::string deadline_message(std::int64_t seconds) {
    return "the build did not finish within " + std::to_string(seconds) + "s and was stopped";
}

bool pod_says_why_it_failed(const json::object& pod, const std::vector<ContainerView>& containers) {
    if (get_string(pod, "status.phase") == "Failed") return true;
    return std::any_of(containers.begin(), containers.end(), [](const ContainerView& c) {
        return c.terminated && (get_int(*c.terminated, "exitCode").value_or(0) != 0 ||
                                get_string(*c.terminated, "reason") == "OOMKilled");
    });
}

// What the Job's Complete or Failed condition says; false when it has neither.
bool observe_finished_job(const json::object& job, const json::object* pod, const std::vector<ContainerView>& containers,
                          Clock::time_point now, const BuildConfig& config, BuildObservation& o) {
    if (true_condition(job, "Complete")) {
        o.phase = BuildPhase::completed;
        o.completion_time = get_string(job, "status.completionTime");
        o.message = "built " + (o.image.empty() ? std::string("the image") : o.image);
        return true;
    }
    const auto* failed = true_condition(job, "Failed");
    if (!failed) return false;
    o.completion_time = get_string(*failed, "lastTransitionTime");
    if (get_string(*failed, "reason") == "DeadlineExceeded") {
        o.phase = BuildPhase::failed;
        o.reason = reasons::deadline_exceeded;
        o.message = deadline_message(get_int(job, "spec.activeDeadlineSeconds").value_or(config.active_deadline_seconds));
        return true;
    }
    if (!pod) {
        o.phase = BuildPhase::failed;
        o.reason = reasons::build_failed;
        o.message = "the build job failed: " + get_string(*failed, "message");
        return true;
    }
    const auto failed_at = parse_rfc3339(get_string(*failed, "lastTransitionTime")).value_or(now);
    if (!pod_says_why_it_failed(*pod, containers) && now - failed_at < kPodStatusGrace) {
        o.phase = BuildPhase::building;
        o.message = "the build job failed; waiting for the pod status that says why";
        o.recheck_after = std::chrono::seconds(2);
        return true;
    }
    classify_failure(*pod, containers, o);
    return true;
}

// The Job controller enforces activeDeadlineSeconds only when it syncs the
// Job; the operator enforces it too, a grace period later.
void enforce_deadline(const json::object* job, Clock::time_point now, BuildObservation& o) {
    if (!job) return;
    const auto seconds = get_int(*job, "spec.activeDeadlineSeconds").value_or(0);
    const auto started = parse_rfc3339(get_string(*job, "status.startTime"));
    if (!started || seconds <= 0) return;
    const auto deadline = *started + std::chrono::seconds(seconds) + kDeadlineGrace;
    if (now >= deadline) {
        o.phase = BuildPhase::failed;
        o.reason = reasons::deadline_exceeded;
        o.message = deadline_message(seconds);
        o.stop_job = true;
    } else {
        auto left = std::chrono::duration_cast<std::chrono::seconds>(deadline - now) + std::chrono::seconds(1);
        if (o.recheck_after.count() == 0 || left < o.recheck_after) o.recheck_after = left;
    }
}

// What the pod of a Job that has not finished says.
void observe_pod(const json::object* job, const json::object& pod, const std::vector<ContainerView>& containers,
                 Clock::time_point now, const BuildConfig& config, BuildObservation& o) {
    const auto phase = get_string(pod, "status.phase");
    const bool deleting = find_value(pod, "metadata.deletionTimestamp") != nullptr;
    if (phase == "Succeeded") {
        // The pod is the truth: no need to wait for the Job controller.
        o.phase = BuildPhase::completed;
        o.completion_time = latest_finish(containers);
        o.message = "built " + (o.image.empty() ? std::string("the image") : o.image);
        return;
    }
    if (phase == "Failed" && !deleting) {
        classify_failure(pod, containers, o);
        o.completion_time = latest_finish(containers);
        return;
    }
    const bool started =
        std::any_of(containers.begin(), containers.end(), [](const ContainerView& c) { return c.running || c.terminated; });
    if (phase == "Running" || started) {
        o.phase = BuildPhase::building;
        std::string step = "building";
        for (const auto& c : containers)
            if (c.running)
                step = c.name == kCloneContainer    ? "cloning the repository"
                       : c.name == kSourceContainer ? "fetching the uploaded source"
                                                    : "building";
        o.message = step;
        enforce_deadline(job, now, o);
        return;
    }
    o.phase = BuildPhase::pending;
    o.message = "the build pod is pending";
    classify_pending(pod, containers, now, config, o);
    if (o.phase != BuildPhase::failed) enforce_deadline(job, now, o);
}

// A completed build must have pushed where it was asked to; otherwise it fails
// here, before anything is deployed.
void check_pushed_image(const ImageDestination& destination, BuildObservation& o) {
    if (o.phase != BuildPhase::completed) return;
    if (o.reused) {
        o.message = (o.commit.starts_with("sha256:") ? "the upload " : "commit ") + o.commit +
                    " was built before with the same settings; nothing was built";
        return;
    }
    const std::string tag = !destination.tag.empty() ? destination.tag : commit_tag(o.commit);
    const std::string expected = destination.repository + ":" + (tag.empty() ? "<commit>" : tag);
    auto shown = [](const std::string& value) { return value.empty() ? std::string("nothing") : "'" + value + "'"; };
    if (o.image.empty() || o.digest.empty()) {
        o.phase = BuildPhase::failed;
        o.reason = reasons::image_missing;
        o.message = "the build pod succeeded but reported no pushed image: the clone step reported image " +
                    shown(o.image) + ", the build step digest " + shown(o.digest) + "; expected " + expected +
                    " with a sha256 digest";
    } else if (tag.empty() || o.image != expected) {
        o.phase = BuildPhase::failed;
        o.reason = reasons::image_mismatch;
        o.message = "the build pod reported image '" + o.image + "' but the operator asked for " + expected;
    }
}

}  // namespace

std::string_view to_string(BuildPhase phase) {
    switch (phase) {
        case BuildPhase::pending: return "Pending";
        case BuildPhase::building: return "Building";
        case BuildPhase::completed: return "Completed";
        case BuildPhase::failed: return "Failed";
    }
    return "Pending";
}

BuildObservation observe_build(const json::object* job, const std::vector<json::object>& pods, Clock::time_point now,
                               const BuildConfig& config, const ImageDestination& destination) {
    BuildObservation o;
    const json::object* pod = newest_pod(pods);
    std::vector<ContainerView> containers;
    if (pod) {
        containers = containers_of(*pod);
        o.pod_name = get_string(*pod, "metadata.name");
        o.start_time = get_string(*pod, "status.startTime");
        read_results(containers, o);
    }
    if (o.start_time.empty() && job) o.start_time = get_string(*job, "status.startTime");
    if (job && observe_finished_job(*job, pod, containers, now, config, o)) {
        check_pushed_image(destination, o);
        return o;
    }
    if (!pod) {
        o.message = job ? "waiting for the build pod" : "waiting for the build job";
        return o;
    }
    observe_pod(job, *pod, containers, now, config, o);
    check_pushed_image(destination, o);
    return o;
}

}  // namespace sb::op::appbuild
