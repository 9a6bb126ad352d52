#include "operator/helm/deploy_status.hpp"

#include <boost/json/array.hpp>
#include <algorithm>

#include "operator/common/crd_types.hpp"

namespace sb::op::helm {

namespace json = boost::json;

namespace {

std::string condition_text(const json::object& condition) {
    auto reason = get_string(condition, "reason"), message = get_string(condition, "message");
    if (reason.empty()) return message;
    return message.empty() ? reason : reason + ": " + message;
}

bool job_is_stale(const json::object& job, const DeployTarget& target) {
    if (is_being_deleted(job)) return true;
    return !target.replaced_job_uid.empty() && get_string(job, "metadata.uid") == target.replaced_job_uid;
}

struct AttemptFailure {
    FailedAttempt attempt;
    std::string termination_message;
    std::string created;
    bool found = false;
};

// The newest failed instance of the helm container among the Job's pods.
AttemptFailure newest_failure(const std::vector<json::object>& pods) {
    AttemptFailure best;
    for (const auto& pod : pods) {
        const auto* statuses = find_array(pod, "status.containerStatuses");
        if (!statuses) continue;
        const auto created = get_string(pod, "metadata.creationTimestamp");
        for (const auto& s : *statuses) {
            if (!s.is_object()) continue;
            const auto& status = s.get_object();
            for (auto [path, previous] : {std::pair{"state.terminated", false}, std::pair{"lastState.terminated", true}}) {
                const auto* terminated = find_object(status, path);
                if (!terminated || get_int(*terminated, "exitCode").value_or(0) == 0) continue;
                if (best.found && created < best.created) continue;
                best.found = true;
                best.created = created;
                best.termination_message = get_string(*terminated, "message");
                best.attempt = FailedAttempt{get_string(pod, "metadata.name"), get_string(pod, "metadata.uid"),
                                             get_int(status, "restartCount").value_or(0), previous};
                break;  // the current state is newer than lastState
            }
        }
    }
    return best;
}

std::int64_t failed_attempts(const json::object& job, const std::vector<json::object>& pods) {
    std::int64_t n = get_int(job, "status.failed").value_or(0);
    for (const auto& pod : pods)
        if (const auto* statuses = find_array(pod, "status.containerStatuses"))
            for (const auto& s : *statuses)
                if (s.is_object()) n += get_int(s.get_object(), "restartCount").value_or(0);
    return n;
}

// Detail of a failed attempt: its termination message, or a request for its log.
void describe_failure(DeployObservation& o, const AttemptFailure& failure) {
    if (!failure.found) return;
    o.attempt = failure.attempt;
    if (auto lines = last_lines(failure.termination_message, 10); !lines.empty()) o.message += ": " + lines;
    else o.wants_log = true;
}

// "registry/p/app:tag@sha" -> "registry/p/app"
std::string repository_of(std::string_view image) {
    if (auto at = image.find('@'); at != std::string_view::npos) image = image.substr(0, at);
    auto slash = image.rfind('/');
    auto colon = image.rfind(':');
    if (colon != std::string_view::npos && (slash == std::string_view::npos || colon > slash)) image = image.substr(0, colon);
    return std::string(image);
}

// Empty when the Deployment has rolled out the target image; otherwise what it waits for.
std::string rollout_pending(const json::object& d, const DeployTarget& target) {
    const auto name = get_string(d, "metadata.name");
    const auto generation = get_int(d, "metadata.generation").value_or(0);
    if (get_int(d, "status.observedGeneration").value_or(0) < generation)
        return "waiting for the Deployment controller to see " + name;
    const auto* containers = find_array(d, "spec.template.spec.containers");
    if (containers && !target.image.empty()) {
        const auto repository = repository_of(target.image);
        for (const auto& c : *containers) {
            if (!c.is_object()) continue;
            auto image = get_string(c.get_object(), "image");
            if (repository_of(image) == repository && image != target.image)
                return "Deployment " + name + " still runs " + image;
        }
    }
    const auto want = get_int(d, "spec.replicas").value_or(1);
    const auto updated = get_int(d, "status.updatedReplicas").value_or(0);
    const auto total = get_int(d, "status.replicas").value_or(0);
    const auto available = get_int(d, "status.availableReplicas").value_or(0);
    if (updated < want) return "Deployment " + name + ": " + std::to_string(updated) + " of " + std::to_string(want) + " replicas updated";
    if (total > updated) return "Deployment " + name + ": " + std::to_string(total - updated) + " old replicas pending termination";
    if (available < want)
        return "Deployment " + name + ": " + std::to_string(available) + " of " + std::to_string(want) + " updated replicas available";
    return {};
}

}  // namespace

DeployObservation observation(DeployState state, std::string_view reason, std::string message) {
    DeployObservation o;
    o.state = state;
    o.reason = std::string(reason);
    o.message = std::move(message);
    return o;
}

std::string install_job_name(std::string_view chart) { return "helm-install-" + std::string(chart); }

std::string last_lines(std::string_view text, std::size_t max_lines) {
    std::vector<std::string_view> lines;
    while (!text.empty()) {
        auto nl = text.find('\n');
        auto line = text.substr(0, nl);
        while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t')) line.remove_suffix(1);
        if (!line.empty()) lines.push_back(line);
        if (nl == std::string_view::npos) break;
        text.remove_prefix(nl + 1);
    }
    std::string out;
    for (auto i = lines.size() > max_lines ? lines.size() - max_lines : 0; i < lines.size(); ++i) {
        if (!out.empty()) out += '\n';
        out += lines[i];
    }
    return out;
}

void add_log_lines(DeployObservation& o, std::string_view log_tail) {
    if (auto lines = last_lines(log_tail, 10); !lines.empty()) o.message += ": " + lines;
    o.wants_log = false;
    o.wants_last_log = false;
}

std::optional<DeployObservation> observe_install(const DeployTarget& target, const json::object* job,
                                                 const std::vector<json::object>& pods) {
    const auto job_name = install_job_name(target.chart);
    if (!job || job_is_stale(*job, target))
        return observation(DeployState::installing, deploy_reasons::waiting,
                    "HelmChart " + target.chart + " written; waiting for helm-controller to start Job " + job_name);

    if (const auto* failed = true_condition(*job, "Failed")) {
        auto o = observation(DeployState::failed, deploy_reasons::install_failed,
                      "helm install failed (Job " + job_name + ": " + condition_text(*failed) + ")");
        auto failure = newest_failure(pods);
        describe_failure(o, failure);
        o.wants_last_log = !failure.found;
        return o;
    }
    const bool succeeded = true_condition(*job, "Complete") != nullptr || get_int(*job, "status.succeeded").value_or(0) > 0;
    if (!succeeded) {
        if (auto n = failed_attempts(*job, pods); n > 0) {
            auto o = observation(DeployState::installing, deploy_reasons::retrying,
                          "helm install is being retried by Job " + job_name + " (" + std::to_string(n) +
                              (n == 1 ? " attempt" : " attempts") + " failed)");
            describe_failure(o, newest_failure(pods));
            return o;
        }
        return observation(DeployState::installing, deploy_reasons::installing, "helm install running (Job " + job_name + ")");
    }
    return std::nullopt;
}

DeployObservation observe_deploy(const DeployTarget& target, const json::object* job,
                                 const std::vector<json::object>& pods, const std::vector<json::object>& deployments) {
    if (auto installing = observe_install(target, job, pods)) return std::move(*installing);

    std::vector<const json::object*> current;
    for (const auto& d : deployments)
        if (!is_being_deleted(d)) current.push_back(&d);
    if (current.empty())
        return observation(DeployState::rolling_out, deploy_reasons::rolling_out,
                    "installed; waiting for a Deployment labelled " + std::string(kInstanceLabel) + "=" + target.chart);
    std::sort(current.begin(), current.end(), [](const json::object* a, const json::object* b) {
        return get_string(*a, "metadata.name") < get_string(*b, "metadata.name");
    });
    for (const auto* d : current) {
        if (get_int(*d, "status.observedGeneration").value_or(0) < get_int(*d, "metadata.generation").value_or(0)) continue;
        if (const auto* conditions = find_array(*d, "status.conditions")) {
            for (const auto& c : *conditions) {
                if (!c.is_object()) continue;
                const auto& o = c.get_object();
                if (get_string(o, "type") == "Progressing" && get_string(o, "status") == "False" &&
                    get_string(o, "reason") == "ProgressDeadlineExceeded")
                    return observation(DeployState::failed, deploy_reasons::rollout_failed,
                                "rollout failed: Deployment " + get_string(*d, "metadata.name") + ": " + get_string(o, "message"));
            }
        }
    }
    for (const auto* d : current)
        if (auto pending = rollout_pending(*d, target); !pending.empty())
            return observation(DeployState::rolling_out, deploy_reasons::rolling_out, "rolling out: " + pending);
    std::int64_t replicas = 0;
    for (const auto* d : current) replicas += get_int(*d, "spec.replicas").value_or(1);
    return observation(DeployState::running, deploy_reasons::running,
                "running " + target.image + " (" + std::to_string(replicas) + (replicas == 1 ? " replica" : " replicas") + " available)");
}

}  // namespace sb::op::helm
