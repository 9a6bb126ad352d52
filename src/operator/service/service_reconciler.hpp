#pragma once
// The Service controller: credentials Secret (generated once), connection
// Secret, HelmChart, status (helm-controller's install Job, then the
// release's StatefulSets and their pods followed through informers:
// Deploying -> Ready only once the database runs | Failed); a finalizer keeps
// a Service that apps still bind from being deleted until they unbind it.
#include "operator/helm/attempt_logs.hpp"
#include "kube/controller.hpp"
#include "kube/informer.hpp"
#include "kube/manager.hpp"
#include "operator/service/service_objects.hpp"

namespace sb::op {
struct OperatorConfig;
}

namespace sb::op::service {

class ServiceReconciler {
public:
    // Creates (or shares) the informers it needs.
    ServiceReconciler(kube::Manager& mgr, ServiceConfig config);
    ServiceReconciler(const ServiceReconciler&) = delete;
    ServiceReconciler& operator=(const ServiceReconciler&) = delete;

    kube::Task<kube::Result> reconcile(const kube::Request& request);
    // Services, and what else controller watches, mapped to the Services to reconcile.
    void watch_from(kube::Controller& controller);

private:
    kube::Task<kube::Result> finalize(const boost::json::object& service, const std::vector<std::string>& bound);
    kube::Task<void> patch_finalizers(const boost::json::object& service, bool keep);
    kube::Task<Credentials> ensure_credentials(const boost::json::object& service);
    kube::Task<std::string> write_chart(const boost::json::object& service, const boost::json::object& chart,
                                        const std::string& current_job_uid);
    kube::Task<void> report_rollout(const boost::json::object& service, const std::vector<std::string>& bound,
                                    const boost::json::object* install, const std::string& replaced_job_uid);
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
    helm::AttemptLogs attempt_logs_;
};

// Registers the Service controller (and its informers) with the manager.
void add_service_controller(kube::Manager& manager, const OperatorConfig& config);
// The same with the charts and workers spelled out (tests).
void add_service_controller(kube::Manager& manager, ServiceConfig config, int workers = 2);

}  // namespace sb::op::service
