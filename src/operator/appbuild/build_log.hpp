#pragma once
// A build's log, for the server and for `shapeblock-operator build-log`.
// The build pod stays until its Job's ttlSecondsAfterFinished; the logs of
// its containers are read through the pods/log subresource in the order
// they ran (clone, then the builder). When the pod is gone, or a log cannot
// be served (no kubelet answers), what the build recorded stands in: the
// containers' termination messages (FallbackToLogsOnError keeps a failed
// step's last lines there) and the AppBuild's status.
//
// Logs can hold secrets: there is deliberately no unauthenticated HTTP
// endpoint for them; callers use their own credentials for the API server.
#include <boost/json/object.hpp>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "kube/client.hpp"

namespace sb::op::appbuild {

class BuildLogError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

struct ContainerLogRequest {
    std::string container;
    kube::LogOptions options;
};

// The container logs to read from a build pod, in the order the containers
// ran (init containers first), leaving out those that never started.
std::vector<ContainerLogRequest> build_log_requests(const boost::json::object& pod, std::int64_t limit_bytes);

// The build pod's containers in the order they run, init containers first.
std::vector<std::string> build_containers(const boost::json::object& pod);

// Where one container of a build pod stands, for following its log (the
// kubelet refuses a followed read of a container still waiting to start).
enum class ContainerProgress {
    waiting,  // not started yet: look again later
    started,  // running or ended: its log can be read
    skipped,  // the pod ended or is being deleted without running it
};
ContainerProgress container_progress(const boost::json::object& pod, std::string_view container);

// The termination message recorded for a container of the pod ("" when none).
std::string recorded_container_text(const boost::json::object& pod, std::string_view container);

// What the AppBuild's status says, for when its pod is gone.
std::string recorded_build_summary(const boost::json::object& appbuild);

// The log of AppBuild ns/name. Throws BuildLogError when the AppBuild does
// not exist; kube errors other than NotFound on the pod propagate.
kube::Task<std::string> fetch_build_log(kube::Client& client, std::string ns, std::string appbuild);

}  // namespace sb::op::appbuild
