#pragma once
// A Service is Ready only when its database runs: after helm-controller's
// install Job succeeded, every StatefulSet of the release
// (`app.kubernetes.io/instance=<service>`, the selector label of the
// groundhog2k and Bitnami charts) must have rolled out: observedGeneration >=
// generation, readyReplicas == spec.replicas (default 1) and, for
// RollingUpdate, every replica on the update revision. Failure is told only from signals the kubelet reports
// after retrying (CrashLoopBackOff, ImagePullBackOff, InvalidImageName on a
// pod the StatefulSet owns); anything else is "still starting".
#include <boost/json/object.hpp>
#include <string_view>
#include <vector>

#include "operator/helm/deploy_status.hpp"

namespace sb::op::helm {

namespace database_reasons {
inline constexpr std::string_view starting = "DatabaseStarting";
inline constexpr std::string_view failed = "DatabaseFailed";
inline constexpr std::string_view ready = "DatabaseReady";
}  // namespace database_reasons

// Container waiting reasons that mean the database does not come up without
// a change: the kubelet reports them only after failed retries. ErrImagePull
// (a first failed pull, often a registry hiccup) is not one of them.
bool is_failing_waiting_reason(std::string_view reason);

// The release's StatefulSets and the pods labelled with the release: rolling_out
// ("database starting: ..."), running (every StatefulSet rolled out) or failed.
DeployObservation observe_statefulsets(std::string_view release, const std::vector<boost::json::object>& statefulsets,
                                       const std::vector<boost::json::object>& pods);

// The install, then the StatefulSets.
DeployObservation observe_database(const DeployTarget& target, const boost::json::object* install_job,
                                   const std::vector<boost::json::object>& install_pods,
                                   const std::vector<boost::json::object>& statefulsets,
                                   const std::vector<boost::json::object>& pods);

}  // namespace sb::op::helm
