#pragma once
// The Service controller: credentials Secret (generated once), connection
// Secret, HelmChart, status; a finalizer keeps a Service that apps still
// bind from being deleted until they unbind it.
#include "controller.hpp"
#include "informer.hpp"
#include "manager.hpp"
#include "service_objects.hpp"

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
};

}  // namespace sb::op::service
