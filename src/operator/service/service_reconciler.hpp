#pragma once
// The Service controller: credentials Secret (generated once), connection
// Secret, HelmChart, status (helm-controller's install Job, then the
// release's StatefulSets and their pods followed through informers:
// Deploying -> Ready only once the database runs | Failed); a finalizer keeps
// a Service that apps still bind from being deleted until they unbind it.
#include "operator/deploy/attempt_logs.hpp"
#include "kube/controller.hpp"
#include "kube/informer.hpp"
#include "kube/manager.hpp"
#include "operator/service/service_objects.hpp"

namespace sb::op::service {

class ServiceController {
public:
    ServiceController(kube::Manager& mgr, ServiceConfig config, int workers = 2);
    ServiceController(const ServiceController&) = delete;
    ServiceController& operator=(const ServiceController&) = delete;

    kube::Task<kube::Result> reconcile(const kube::Request& request);

private:
    kube::Task<void> write_status(const boost::json::object& service, boost::json::object status);
    std::vector<std::string> bound_apps(const boost::json::object& service) const;

    kube::Client& client_;
    ServiceConfig config_;
    kube::Informer& services_;
    kube::Informer& apps_;
    kube::Informer& helm_jobs_;  // helm-controller's install Jobs
    kube::Informer& helm_pods_;
    kube::Informer& statefulsets_;  // the release's, labelled app.kubernetes.io/instance
    kube::Informer& release_pods_;  // the StatefulSets' pods (labelled app.kubernetes.io/instance)
    deploy::AttemptLogs attempt_logs_;
};

}  // namespace sb::op::service
