#pragma once
// Following a deploy to the end, as a pure function of what the informers
// hold: k3s helm-controller runs every install or upgrade of a HelmChart as
// the Job `helm-install-<chart>` in the HelmChart's namespace (Job and Pod
// labelled `helmcharts.helm.cattle.io/chart=<chart>`; the Job is deleted and
// re-created when the chart's values change). Once that Job succeeded, the
// release's Deployments (`app.kubernetes.io/instance=<release>`, the chart's
// selector labels) must roll out: observedGeneration >= generation, every
// replica updated and available, no old replica left. A Progressing
// condition with reason ProgressDeadlineExceeded fails the rollout.
#include <boost/json/object.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sb::op::helm {

inline constexpr std::string_view kHelmChartLabel = "helmcharts.helm.cattle.io/chart";
inline constexpr std::string_view kInstanceLabel = "app.kubernetes.io/instance";
inline constexpr std::string_view kHelmContainer = "helm";
// On our HelmCharts, written with every change of their spec: the uid of the
// install Job that existed then (it ran older values), or "none". Uids, not
// timestamps: the operator's clock and the API server's may differ.
inline constexpr std::string_view kReplacedJobAnnotation = "shapeblock.io/replaced-install-job";

// Condition reasons (AppBuild `Deployed`).
namespace deploy_reasons {
inline constexpr std::string_view waiting = "WaitingForHelmController";
inline constexpr std::string_view installing = "Installing";
inline constexpr std::string_view retrying = "InstallRetrying";
inline constexpr std::string_view install_failed = "HelmInstallFailed";
inline constexpr std::string_view rolling_out = "RollingOut";
inline constexpr std::string_view rollout_failed = "RolloutFailed";
inline constexpr std::string_view running = "Running";
inline constexpr std::string_view chart_conflict = "HelmChartConflict";
}  // namespace deploy_reasons

std::string install_job_name(std::string_view chart);

enum class DeployState { installing, rolling_out, running, failed };

struct DeployTarget {
    std::string chart;            // HelmChart name = Helm release name
    std::string replaced_job_uid;  // kReplacedJobAnnotation of the chart as written ("" = unknown)
    std::string image;            // the image the app must run
};

// A failed install attempt whose container left no termination message:
// its log (the previous instance while the pod restarts) says why.
struct FailedAttempt {
    std::string pod;
    std::string pod_uid;
    std::int64_t restarts = 0;  // distinguishes attempts within one pod
    bool previous = false;      // the failed instance is the pod's previous one
};

struct DeployObservation {
    DeployState state = DeployState::installing;
    std::string reason;   // one of deploy_reasons
    std::string message;  // a sentence for App.status.message and the condition
    // Set when the message would profit from the failed attempt's log lines.
    bool wants_log = false;
    FailedAttempt attempt;
    // Set when the install failed and its pods are gone (the Job controller
    // deletes them): the lines of the last attempt seen, if any, explain it.
    bool wants_last_log = false;
};

DeployObservation observation(DeployState state, std::string_view reason, std::string message);

// `install_job` is the cached Job helm-install-<chart> (nullptr when absent),
// `install_pods` its pods, `deployments` those labelled with the release.
DeployObservation observe_deploy(const DeployTarget& target, const boost::json::object* install_job,
                                 const std::vector<boost::json::object>& install_pods,
                                 const std::vector<boost::json::object>& deployments);

// The install alone (services: their workloads are StatefulSets the chart
// owns): nullopt once the install Job succeeded, else how it stands.
std::optional<DeployObservation> observe_install(const DeployTarget& target, const boost::json::object* install_job,
                                                 const std::vector<boost::json::object>& install_pods);

// The message with a failed attempt's log lines added ("...: <last lines>").
void add_log_lines(DeployObservation& observation, std::string_view log_tail);

// The last `max_lines` non-empty lines of text, joined by newlines.
std::string last_lines(std::string_view text, std::size_t max_lines);

}  // namespace sb::op::helm
