#include "operator/appbuild/pod_failure.hpp"

#include <regex>

#include "common/json_fields.hpp"
#include "common/rfc3339.hpp"
#include "operator/appbuild/job_builder.hpp"
#include "operator/appbuild/termination_message.hpp"
#include "operator/source/fetch_source_command.hpp"

namespace sb::op::appbuild {

namespace json = boost::json;
using Clock = std::chrono::system_clock;

namespace {

bool looks_like_push_failure(std::string_view message) {
    static const std::regex pattern(
        R"(shapeblock: push failed|error pushing image|failed to push|unable to push|pushing image .* failed|failed to export|failed to write image|denied: requested access|UNAUTHORIZED|unauthorized: authentication required)",
        std::regex::icase);
    return std::regex_search(message.begin(), message.end(), pattern);
}

std::string clone_summary(std::int64_t exit_code) {
    switch (exit_code) {
        case clone_auth_failed:
            return "clone failed: authentication failed or no access to the repository; check the app's git secret or "
                   "add its deploy key to the git host";
        case clone_ref_not_found: return "clone failed: the git ref does not exist in the repository";
        case clone_unreachable: return "clone failed: the git host cannot be reached";
        case clone_missing_path: return "clone failed: the context path or Dockerfile does not exist in the commit";
        default: return "clone failed with exit code " + std::to_string(exit_code);
    }
}

std::string source_summary(std::int64_t exit_code) {
    switch (exit_code) {
        case source::fetch_unreachable: return "fetching the uploaded source failed: the app's registry cannot be reached";
        case source::fetch_refused:
            return "fetching the uploaded source failed: the app's registry refused (check its login in the app's registry "
                   "Secret; an upload removed from the registry must be pushed again)";
        case source::fetch_corrupt: return "the uploaded source is damaged or unsafe to unpack; push it again";
        default: return "fetching the uploaded source failed with exit code " + std::to_string(exit_code);
    }
}

std::string with_details(std::string summary, std::string_view details) {
    auto tail = last_lines(details, 10);
    if (!tail.empty()) summary += ":\n" + tail;
    return summary;
}

// The reason and message of a container that ended with exit_code.
void explain_container(const json::object& pod, const ContainerView& c, std::int64_t exit_code, BuildObservation& o) {
    const auto reason = get_string(*c.terminated, "reason");
    const auto message = get_string(*c.terminated, "message");
    if (reason == "OOMKilled") {
        o.reason = reasons::oom_killed;
        auto limit = memory_limit_of(pod, c.name);
        o.message = (c.name == kCloneContainer ? std::string("the clone step") : std::string("the build")) +
                    " ran out of memory" + (limit.empty() ? "" : " (limit " + limit + ")") +
                    "; raise the build memory limit or reduce the build's memory use";
    } else if (c.name == kCloneContainer) {
        o.reason = reasons::clone_failed;
        o.message = with_details(clone_summary(exit_code), message);
    } else if (c.name == kSourceContainer) {
        o.reason = reasons::source_fetch_failed;
        o.message = with_details(source_summary(exit_code), message);
    } else if (looks_like_push_failure(message)) {
        o.reason = reasons::push_failed;
        o.message = with_details("pushing the image failed (exit code " + std::to_string(exit_code) +
                                     "); check the registry credentials and that the registry is reachable",
                                 message);
    } else {
        o.reason = reasons::build_failed;
        o.message = with_details("the build failed with exit code " + std::to_string(exit_code), message);
    }
}

// The pod's PodScheduled=False/Unschedulable condition, when it has one.
const json::object* unschedulable_condition(const json::object& pod) {
    const auto* conditions = find_array(pod, "status.conditions");
    if (!conditions) return nullptr;
    for (const auto& cv : *conditions) {
        if (!cv.is_object()) continue;
        const auto& c = cv.get_object();
        if (get_string(c, "type") == "PodScheduled" && get_string(c, "status") == "False" &&
            get_string(c, "reason") == "Unschedulable")
            return &c;
    }
    return nullptr;
}

bool is_stuck_waiting(std::string_view reason) {
    return reason == "ErrImagePull" || reason == "ImagePullBackOff" || reason == "InvalidImageName" ||
           reason == "CreateContainerConfigError" || reason == "CreateContainerError";
}

}  // namespace

void classify_failure(const json::object& pod, const std::vector<ContainerView>& containers, BuildObservation& o) {
    o.phase = BuildPhase::failed;
    for (const auto& c : containers) {
        if (!c.terminated) continue;
        const auto exit_code = get_int(*c.terminated, "exitCode").value_or(0);
        if (exit_code == 0 && get_string(*c.terminated, "reason") != "OOMKilled") continue;
        explain_container(pod, c, exit_code, o);
        return;
    }
    const auto pod_reason = get_string(pod, "status.reason");
    const auto pod_message = get_string(pod, "status.message");
    o.reason = reasons::build_failed;
    o.message = "the build pod failed" + (pod_reason.empty() ? std::string() : " (" + pod_reason + ")") +
                (pod_message.empty() ? std::string() : ": " + pod_message);
}

void classify_pending(const json::object& pod, const std::vector<ContainerView>& containers, Clock::time_point now,
                      const BuildConfig& config, BuildObservation& o) {
    const auto timeout = std::chrono::seconds(config.unschedulable_timeout_seconds);
    if (const auto* c = unschedulable_condition(pod)) {
        auto since = parse_rfc3339(get_string(*c, "lastTransitionTime")).value_or(now);
        auto elapsed = std::chrono::duration_cast<std::chrono::seconds>(now - since);
        const auto scheduler_message = get_string(*c, "message");
        if (elapsed >= timeout) {
            o.phase = BuildPhase::failed;
            o.reason = reasons::unschedulable;
            o.message = "the build pod could not be scheduled for " + std::to_string(elapsed.count()) +
                        "s: " + scheduler_message + " (free resources on a node or lower the build resource requests)";
            o.stop_job = true;
        } else {
            o.message = "waiting for a node: " + scheduler_message;
            o.recheck_after = timeout - elapsed;
        }
        return;
    }
    for (const auto& c : containers) {
        if (!c.waiting) continue;
        const auto reason = get_string(*c.waiting, "reason");
        if (!is_stuck_waiting(reason)) continue;
        auto created = parse_rfc3339(get_string(pod, "metadata.creationTimestamp")).value_or(now);
        auto elapsed = std::chrono::duration_cast<std::chrono::seconds>(now - created);
        const auto detail = get_string(*c.waiting, "message");
        if (reason == "InvalidImageName" || elapsed >= timeout) {
            o.phase = BuildPhase::failed;
            o.reason = reason.rfind("CreateContainer", 0) == 0 ? reasons::build_failed : reasons::image_pull_failed;
            o.message = "container " + c.name + " could not start (" + reason + ")" +
                        (detail.empty() ? std::string() : ": " + detail);
            o.stop_job = true;
        } else {
            o.message = "container " + c.name + " is waiting (" + reason + ")";
            o.recheck_after = timeout - elapsed;
        }
        return;
    }
}

}  // namespace sb::op::appbuild
