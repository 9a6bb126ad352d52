#include "operator/build/build_status.hpp"

#include <boost/json/array.hpp>
#include <algorithm>
#include <cctype>
#include <ctime>
#include <regex>

#include "operator/crd_types.hpp"
#include "operator/build/job_builder.hpp"

namespace sb::op::build {

namespace json = boost::json;
using Clock = std::chrono::system_clock;

constexpr std::chrono::seconds kDeadlineGrace{30};
// The Job's Failed condition can reach the operator's cache before the pod
// status that explains it: this long, the operator waits for that status.
constexpr std::chrono::seconds kPodStatusGrace{10};

namespace {

std::string str(const json::object& o, std::string_view key) {
    if (auto* v = o.if_contains(key); v && v->is_string()) return std::string(v->get_string());
    return {};
}

const json::object* obj(const json::object& o, std::string_view key) {
    if (auto* v = o.if_contains(key); v && v->is_object()) return &v->get_object();
    return nullptr;
}

const json::array* arr(const json::object& o, std::string_view key) {
    if (auto* v = o.if_contains(key); v && v->is_array()) return &v->get_array();
    return nullptr;
}

std::int64_t integer(const json::object& o, std::string_view key, std::int64_t fallback = 0) {
    if (auto* v = o.if_contains(key)) {
        if (v->is_int64()) return v->get_int64();
        if (v->is_uint64()) return static_cast<std::int64_t>(v->get_uint64());
    }
    return fallback;
}

struct ContainerView {
    std::string name;
    bool init = false;
    const json::object* status = nullptr;      // the containerStatus
    const json::object* terminated = nullptr;  // state.terminated
    const json::object* waiting = nullptr;     // state.waiting
    bool running = false;
};

std::vector<ContainerView> containers_of(const json::object& pod) {
    std::vector<ContainerView> out;
    const auto* status = obj(pod, "status");
    if (!status) return out;
    for (auto [key, init] : {std::pair{"initContainerStatuses", true}, std::pair{"containerStatuses", false}}) {
        const auto* list = arr(*status, key);
        if (!list) continue;
        for (const auto& s : *list) {
            if (!s.is_object()) continue;
            ContainerView v;
            v.status = &s.get_object();
            v.name = str(*v.status, "name");
            v.init = init;
            if (const auto* state = obj(*v.status, "state")) {
                v.terminated = obj(*state, "terminated");
                v.waiting = obj(*state, "waiting");
                v.running = obj(*state, "running") != nullptr;
            }
            out.push_back(v);
        }
    }
    return out;
}

std::string memory_limit_of(const json::object& pod, std::string_view container) {
    const auto* spec = obj(pod, "spec");
    if (!spec) return {};
    for (const char* list : {"initContainers", "containers"}) {
        const auto* cs = arr(*spec, list);
        if (!cs) continue;
        for (const auto& c : *cs) {
            if (!c.is_object() || str(c.get_object(), "name") != container) continue;
            const auto* res = obj(c.get_object(), "resources");
            const auto* limits = res ? obj(*res, "limits") : nullptr;
            if (limits) return str(*limits, "memory");
        }
    }
    return {};
}

const json::object* newest_pod(const std::vector<json::object>& pods) {
    const json::object* best = nullptr;
    std::string best_time;
    for (const auto& p : pods) {
        const auto* meta = obj(p, "metadata");
        std::string t = meta ? str(*meta, "creationTimestamp") : "";
        if (!best || t > best_time) {
            best = &p;
            best_time = t;
        }
    }
    return best;
}

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

std::string with_details(std::string summary, std::string_view details) {
    auto tail = last_lines(details, 10);
    if (!tail.empty()) summary += ":\n" + tail;
    return summary;
}

// Reads the clone step's results and the pushed digest.
void read_results(const std::vector<ContainerView>& containers, BuildObservation& o) {
    static const std::regex digest_pattern("sha256:[0-9a-f]{64}");
    for (const auto& c : containers) {
        if (!c.terminated || integer(*c.terminated, "exitCode", -1) != 0) continue;
        const auto message = str(*c.terminated, "message");
        if (c.name == kCloneContainer) {
            o.commit = termination_field(message, "commit").value_or("");
            o.build_type = termination_field(message, "type").value_or("");
            o.image = termination_field(message, "image").value_or("");
        } else {
            std::smatch m;
            if (std::regex_search(message, m, digest_pattern)) o.digest = m.str();
        }
    }
}

std::string latest_finish(const std::vector<ContainerView>& containers) {
    std::string latest;
    for (const auto& c : containers)
        if (c.terminated) latest = std::max(latest, str(*c.terminated, "finishedAt"));
    return latest;
}

// A failed pod: the first container that failed explains why.
void classify_failure(const json::object& pod, const std::vector<ContainerView>& containers, BuildObservation& o) {
    o.phase = BuildPhase::failed;
    for (const auto& c : containers) {
        if (!c.terminated) continue;
        const auto exit_code = integer(*c.terminated, "exitCode", 0);
        const auto reason = str(*c.terminated, "reason");
        const auto message = str(*c.terminated, "message");
        if (exit_code == 0 && reason != "OOMKilled") continue;
        if (reason == "OOMKilled") {
            o.reason = reasons::oom_killed;
            auto limit = memory_limit_of(pod, c.name);
            o.message = (c.name == kCloneContainer ? std::string("the clone step") : std::string("the build")) +
                        " ran out of memory" + (limit.empty() ? "" : " (limit " + limit + ")") +
                        "; raise the build memory limit or reduce the build's memory use";
        } else if (c.name == kCloneContainer) {
            o.reason = reasons::clone_failed;
            o.message = with_details(clone_summary(exit_code), message);
        } else if (looks_like_push_failure(message)) {
            o.reason = reasons::push_failed;
            o.message = with_details("pushing the image failed (exit code " + std::to_string(exit_code) +
                                         "); check the registry credentials and that the registry is reachable",
                                     message);
        } else {
            o.reason = reasons::build_failed;
            o.message = with_details("the build failed with exit code " + std::to_string(exit_code), message);
        }
        return;
    }
    const auto* status = obj(pod, "status");
    const auto pod_reason = status ? str(*status, "reason") : "";
    const auto pod_message = status ? str(*status, "message") : "";
    o.reason = reasons::build_failed;
    o.message = "the build pod failed" + (pod_reason.empty() ? std::string() : " (" + pod_reason + ")") +
                (pod_message.empty() ? std::string() : ": " + pod_message);
}

// A pending pod: stuck (unschedulable, image never pulled) or just waiting.
void classify_pending(const json::object& pod, const std::vector<ContainerView>& containers, Clock::time_point now,
                      const BuildConfig& config, BuildObservation& o) {
    const auto timeout = std::chrono::seconds(config.unschedulable_timeout_seconds);
    const auto* status = obj(pod, "status");
    if (const auto* conditions = status ? arr(*status, "conditions") : nullptr) {
        for (const auto& cv : *conditions) {
            if (!cv.is_object()) continue;
            const auto& c = cv.get_object();
            if (str(c, "type") != "PodScheduled" || str(c, "status") != "False" || str(c, "reason") != "Unschedulable")
                continue;
            auto since = parse_rfc3339(str(c, "lastTransitionTime")).value_or(now);
            auto elapsed = std::chrono::duration_cast<std::chrono::seconds>(now - since);
            const auto scheduler_message = str(c, "message");
            if (elapsed >= timeout) {
                o.phase = BuildPhase::failed;
                o.reason = reasons::unschedulable;
                o.message = "the build pod could not be scheduled for " + std::to_string(elapsed.count()) +
                            "s: " + scheduler_message +
                            " (free resources on a node or lower the build resource requests)";
                o.stop_job = true;
            } else {
                o.message = "waiting for a node: " + scheduler_message;
                o.recheck_after = timeout - elapsed;
            }
            return;
        }
    }
    for (const auto& c : containers) {
        if (!c.waiting) continue;
        const auto reason = str(*c.waiting, "reason");
        if (reason != "ErrImagePull" && reason != "ImagePullBackOff" && reason != "InvalidImageName" &&
            reason != "CreateContainerConfigError" && reason != "CreateContainerError")
            continue;
        const auto* meta = obj(pod, "metadata");
        auto created = parse_rfc3339(meta ? str(*meta, "creationTimestamp") : "").value_or(now);
        auto elapsed = std::chrono::duration_cast<std::chrono::seconds>(now - created);
        const auto detail = str(*c.waiting, "message");
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

std::optional<std::string> termination_field(std::string_view message, std::string_view key) {
    std::size_t pos = 0;
    while (pos < message.size()) {
        auto end = message.find('\n', pos);
        if (end == std::string_view::npos) end = message.size();
        auto line = message.substr(pos, end - pos);
        if (line.size() > key.size() && line.substr(0, key.size()) == key && line[key.size()] == '=') {
            auto value = line.substr(key.size() + 1);
            while (!value.empty() && std::isspace(static_cast<unsigned char>(value.back()))) value.remove_suffix(1);
            return std::string(value);
        }
        pos = end + 1;
    }
    return std::nullopt;
}

std::string last_lines(std::string_view text, std::size_t max_lines) {
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.remove_suffix(1);
    std::size_t start = text.size();
    for (std::size_t lines = 0; lines < max_lines && start > 0; ++lines) {
        auto nl = text.rfind('\n', start - 1);
        start = nl == std::string_view::npos ? 0 : nl;
        if (nl == std::string_view::npos) break;
    }
    auto tail = text.substr(start);
    if (!tail.empty() && tail.front() == '\n') tail.remove_prefix(1);
    constexpr std::size_t max_bytes = 2048;
    if (tail.size() > max_bytes) tail = tail.substr(tail.size() - max_bytes);
    return std::string(tail);
}

BuildObservation observe_build(const json::object* job, const std::vector<json::object>& pods, Clock::time_point now,
                               const BuildConfig& config) {
    BuildObservation o;
    const json::object* pod = newest_pod(pods);
    std::vector<ContainerView> containers;
    if (pod) {
        containers = containers_of(*pod);
        o.pod_name = pod->contains("metadata") ? str(pod->at("metadata").as_object(), "name") : "";
        if (const auto* status = obj(*pod, "status")) o.start_time = str(*status, "startTime");
        read_results(containers, o);
    }
    const auto* job_status = job ? obj(*job, "status") : nullptr;
    if (o.start_time.empty() && job_status) o.start_time = str(*job_status, "startTime");

    if (job) {
        if (true_condition(*job, "Complete")) {
            o.phase = BuildPhase::completed;
            o.completion_time = job_status ? str(*job_status, "completionTime") : "";
            o.message = "built " + (o.image.empty() ? std::string("the image") : o.image);
            return o;
        }
        if (const auto* failed = true_condition(*job, "Failed")) {
            o.completion_time = str(*failed, "lastTransitionTime");
            if (str(*failed, "reason") == "DeadlineExceeded") {
                o.phase = BuildPhase::failed;
                o.reason = reasons::deadline_exceeded;
                o.message = "the build did not finish within " +
                            std::to_string(integer(obj(*job, "spec") ? *obj(*job, "spec") : json::object{},
                                                   "activeDeadlineSeconds", config.active_deadline_seconds)) +
                            "s and was stopped";
                return o;
            }
            if (pod) {
                const auto* pod_status = obj(*pod, "status");
                const bool pod_says_why = (pod_status && str(*pod_status, "phase") == "Failed") ||
                                          std::any_of(containers.begin(), containers.end(), [](const ContainerView& c) {
                                              return c.terminated && (integer(*c.terminated, "exitCode", 0) != 0 ||
                                                                      str(*c.terminated, "reason") == "OOMKilled");
                                          });
                const auto failed_at = parse_rfc3339(str(*failed, "lastTransitionTime")).value_or(now);
                if (!pod_says_why && now - failed_at < kPodStatusGrace) {
                    o.phase = BuildPhase::building;
                    o.message = "the build job failed; waiting for the pod status that says why";
                    o.recheck_after = std::chrono::seconds(2);
                    return o;
                }
                classify_failure(*pod, containers, o);
            } else {
                o.phase = BuildPhase::failed;
                o.reason = reasons::build_failed;
                o.message = "the build job failed: " + str(*failed, "message");
            }
            return o;
        }
    }
    if (!pod) {
        o.message = job ? "waiting for the build pod" : "waiting for the build job";
        return o;
    }

    // The Job controller enforces activeDeadlineSeconds only when it syncs
    // the Job; the operator enforces it too, a grace period later.
    std::optional<Clock::time_point> deadline;
    if (job && job_status) {
        const auto* spec = obj(*job, "spec");
        const auto seconds = spec ? integer(*spec, "activeDeadlineSeconds", 0) : 0;
        if (auto started = parse_rfc3339(str(*job_status, "startTime")); started && seconds > 0)
            deadline = *started + std::chrono::seconds(seconds) + kDeadlineGrace;
    }
    auto enforce_deadline = [&](BuildObservation& obs) {
        if (!deadline) return;
        if (now >= *deadline) {
            obs.phase = BuildPhase::failed;
            obs.reason = reasons::deadline_exceeded;
            obs.message = "the build did not finish within " +
                          std::to_string(integer(*obj(*job, "spec"), "activeDeadlineSeconds", 0)) + "s and was stopped";
            obs.stop_job = true;
        } else {
            auto left = std::chrono::duration_cast<std::chrono::seconds>(*deadline - now) + std::chrono::seconds(1);
            if (obs.recheck_after.count() == 0 || left < obs.recheck_after) obs.recheck_after = left;
        }
    };

    const auto* status = obj(*pod, "status");
    const auto phase = status ? str(*status, "phase") : "";
    const bool deleting = pod->contains("metadata") && pod->at("metadata").as_object().contains("deletionTimestamp");
    if (phase == "Succeeded") {
        // The pod is the truth: no need to wait for the Job controller.
        o.phase = BuildPhase::completed;
        o.completion_time = latest_finish(containers);
        o.message = "built " + (o.image.empty() ? std::string("the image") : o.image);
        return o;
    }
    if (phase == "Failed" && !deleting) {
        classify_failure(*pod, containers, o);
        o.completion_time = latest_finish(containers);
        return o;
    }
    bool started = false;
    for (const auto& c : containers) started = started || c.running || c.terminated;
    if (phase == "Running" || started) {
        o.phase = BuildPhase::building;
        std::string step = "building";
        for (const auto& c : containers)
            if (c.running) step = c.name == kCloneContainer ? "cloning the repository" : "building";
        o.message = step;
        enforce_deadline(o);
        return o;
    }
    o.phase = BuildPhase::pending;
    o.message = "the build pod is pending";
    classify_pending(*pod, containers, now, config, o);
    if (o.phase != BuildPhase::failed) enforce_deadline(o);
    return o;
}

}  // namespace sb::op::build
