#pragma once
// The log lines of failed helm install attempts, fetched through pods/log
// once per attempt and remembered: the Job controller deletes the pods of a
// failed Job, so the lines must be read while helm-controller retries.
#include <map>
#include <string>

#include "kube/client.hpp"
#include "operator/helm/deploy_status.hpp"

namespace sb::op::helm {

class AttemptLogs {
public:
    explicit AttemptLogs(kube::Client& client) : client_(client) {}

    // When `observation` wants its attempt's log, adds the last lines (or
    // nothing when no kubelet serves them); when it wants the last log seen
    // for the chart (ns/chart), adds that.
    kube::Task<void> add_to(const std::string& ns, const std::string& chart, DeployObservation& observation);

private:
    kube::Client& client_;
    std::map<std::string, std::string> logs_;           // "<pod uid>/<restarts>" -> last lines
    std::map<std::string, std::string> last_by_chart_;  // "<ns>/<chart>" -> last lines fetched
};

}  // namespace sb::op::helm
