#include "operator/helm/statefulset_status.hpp"

#include <boost/json/array.hpp>
#include <algorithm>

#include "operator/common/crd_types.hpp"

namespace sb::op::helm {

namespace json = boost::json;

namespace {

std::string replicas_text(std::int64_t have, std::int64_t want) { return std::to_string(have) + "/" + std::to_string(want); }

// Empty when the StatefulSet has rolled out; otherwise what it waits for.
std::string rollout_pending(const json::object& s) {
    const auto name = get_string(s, "metadata.name");
    if (get_int(s, "status.observedGeneration").value_or(0) < get_int(s, "metadata.generation").value_or(0))
        return "waiting for the StatefulSet controller to see " + name;
    const auto want = get_int(s, "spec.replicas").value_or(1);
    const auto ready = get_int(s, "status.readyReplicas").value_or(0);
    if (ready != want) return "StatefulSet " + name + ": " + replicas_text(ready, want) + " replicas ready";
    const auto strategy = get_string(s, "spec.updateStrategy.type");
    if (strategy.empty() || strategy == "RollingUpdate") {
        const auto updated = get_int(s, "status.updatedReplicas").value_or(0);
        if (get_string(s, "status.currentRevision") != get_string(s, "status.updateRevision") && updated != want)
            return "StatefulSet " + name + ": " + replicas_text(updated, want) + " replicas updated";
    }
    return {};
}

// "pod p container c: CrashLoopBackOff: <message> (last exit code 1: <message>)", or "".
std::string pod_failure(const json::object& pod) {
    for (std::string_view list : {"status.initContainerStatuses", "status.containerStatuses"}) {
        const auto* statuses = find_array(pod, list);
        if (!statuses) continue;
        for (const auto& v : *statuses) {
            if (!v.is_object()) continue;
            const auto& c = v.get_object();
            const auto reason = get_string(c, "state.waiting.reason");
            if (!is_failing_waiting_reason(reason)) continue;
            std::string text = "pod " + get_string(pod, "metadata.name") + " container " + get_string(c, "name") + ": " + reason;
            if (auto message = get_string(c, "state.waiting.message"); !message.empty()) text += ": " + message;
            if (const auto* last = find_object(c, "lastState.terminated")) {
                text += " (last exit code " + std::to_string(get_int(*last, "exitCode").value_or(0));
                auto detail = last_lines(get_string(*last, "message"), 5);
                if (detail.empty()) detail = get_string(*last, "reason");
                if (!detail.empty()) text += ": " + detail;
                text += ")";
            }
            return text;
        }
    }
    return {};
}

bool owned_by_any(const json::object& pod, const std::vector<const json::object*>& owners) {
    return std::any_of(owners.begin(), owners.end(),
                       [&](const json::object* s) { return is_owned_by(pod, get_string(*s, "metadata.uid")); });
}

}  // namespace

bool is_failing_waiting_reason(std::string_view reason) {
    return reason == "CrashLoopBackOff" || reason == "ImagePullBackOff" || reason == "InvalidImageName";
}

DeployObservation observe_statefulsets(std::string_view release, const std::vector<json::object>& statefulsets,
                                       const std::vector<json::object>& pods) {
    std::vector<const json::object*> current;
    for (const auto& s : statefulsets)
        if (!is_being_deleted(s)) current.push_back(&s);
    if (current.empty())
        return observation(DeployState::rolling_out, database_reasons::starting,
                    "database starting: installed; waiting for a StatefulSet labelled " + std::string(kInstanceLabel) + "=" +
                        std::string(release));
    std::sort(current.begin(), current.end(), [](const json::object* a, const json::object* b) {
        return get_string(*a, "metadata.name") < get_string(*b, "metadata.name");
    });

    std::string pending;
    for (const auto* s : current)
        if (pending = rollout_pending(*s); !pending.empty()) break;
    if (pending.empty()) {
        std::int64_t replicas = 0;
        for (const auto* s : current) replicas += get_int(*s, "spec.replicas").value_or(1);
        return observation(DeployState::running, database_reasons::ready,
                    "database running (" + std::to_string(replicas) + (replicas == 1 ? " replica" : " replicas") + " ready)");
    }
    // Not rolled out: a pod that cannot come up explains why.
    std::vector<const json::object*> sorted_pods;
    for (const auto& p : pods)
        if (owned_by_any(p, current)) sorted_pods.push_back(&p);
    std::sort(sorted_pods.begin(), sorted_pods.end(), [](const json::object* a, const json::object* b) {
        return get_string(*a, "metadata.name") < get_string(*b, "metadata.name");
    });
    for (const auto* p : sorted_pods)
        if (auto failure = pod_failure(*p); !failure.empty())
            return observation(DeployState::failed, database_reasons::failed, "database failed: " + failure);
    return observation(DeployState::rolling_out, database_reasons::starting, "database starting: " + pending);
}

DeployObservation observe_database(const DeployTarget& target, const json::object* install_job,
                                   const std::vector<json::object>& install_pods,
                                   const std::vector<json::object>& statefulsets, const std::vector<json::object>& pods) {
    if (auto installing = observe_install(target, install_job, install_pods)) return std::move(*installing);
    return observe_statefulsets(target.chart, statefulsets, pods);
}

}  // namespace sb::op::helm
