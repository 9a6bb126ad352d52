#pragma once
// Pod helpers for e2e tests: create namespaces and pods, wait for phases,
// read logs, fetch HTTP from a pod's IP.
#include <boost/json.hpp>
#include <chrono>
#include <string>

#include "tests/e2e/support/kube_api.hpp"

namespace sb::e2e {

void create_namespace(const KubeApi& api, const std::string& name);
// What installing ShapeBlock puts in a cluster (the chart does): the namespace
// `shapeblock` with the registry credentials the operator copies into every
// project and the server's App objects name (registry.secretName).
void install_registry_credentials(const KubeApi& api);
boost::json::value create_pod(const KubeApi& api, const std::string& ns, const boost::json::value& pod);
// Waits until the pod is in `phase` (Running also needs an IP); throws with
// the pod's status and events if it ends in another terminal phase.
boost::json::value wait_pod_phase(const KubeApi& api, const std::string& ns, const std::string& name,
                                  const std::string& phase, std::chrono::seconds timeout);
std::string pod_logs(const KubeApi& api, const std::string& ns, const std::string& name,
                     const std::string& container = "", bool timestamps = false);
// GETs http://<pod ip>:<port><path> until it answers 200 (a server may take
// a moment to listen); returns the body.
std::string http_get_pod(const KubeApi& api, const std::string& ns, const std::string& name, int port,
                         const std::string& path = "/", std::chrono::seconds timeout = std::chrono::seconds(30));
// The name of a Running pod (with an IP) matching the label selector
// ("k=v", URL-encoded by the caller if needed); waits for one.
std::string wait_running_pod(const KubeApi& api, const std::string& ns, const std::string& label_selector,
                             std::chrono::seconds timeout);
std::string describe_pod(const KubeApi& api, const std::string& ns, const std::string& name);

}  // namespace sb::e2e
