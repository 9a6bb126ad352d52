#pragma once
// The Project controller: a Project becomes a Namespace of the same name
// (labelled and owned by the Project), a copy of the registry secret kept in
// sync with its source, an optional ResourceQuota + LimitRange, and an
// isolating NetworkPolicy. Deletion goes through the shapeblock.io/project
// finalizer: the namespace is deleted and the Project goes once it is gone.
// A namespace that exists and is not the Project's is never adopted.
#include <boost/json/object.hpp>
#include <string>
#include <vector>

#include "kube/controller.hpp"
#include "kube/informer.hpp"
#include "operator/common/operator_config.hpp"

namespace sb::kube {
class Manager;
}

namespace sb::op {

// The informers the controller reads from (all filled by the manager).
struct ProjectCaches {
    kube::Informer& projects;
    kube::Informer& namespaces;      // label app.kubernetes.io/managed-by=shapeblock
    kube::Informer& source_secret;   // the registry secret's namespace, field metadata.name
    kube::Informer& managed_secrets; // label app.kubernetes.io/managed-by=shapeblock, all namespaces
    kube::Informer& quotas;          // same label
    kube::Informer& limit_ranges;    // same label
    kube::Informer& network_policies;// same label
};

class ProjectReconciler {
public:
    ProjectReconciler(kube::Client client, const OperatorConfig& config, ProjectCaches caches);

    kube::Task<kube::Result> reconcile(const kube::Request& request);

    // Watch mappings: a labelled object -> its Project; the source secret -> every Project.
    std::vector<kube::Request> project_of_labelled(const boost::json::object& obj) const;
    std::vector<kube::Request> all_projects(const boost::json::object& obj) const;

private:
    struct State;
    kube::Task<kube::Result> finalize(boost::json::object project, State& state);
    kube::Task<bool> ensure_namespace(const boost::json::object& project, State& state);
    kube::Task<void> ensure_registry_secret(const boost::json::object& project, State& state);
    kube::Task<void> ensure_quota(const boost::json::object& project, State& state);
    kube::Task<void> ensure_network_policy(const boost::json::object& project, State& state);
    // Creates, updates or (desired empty) deletes one owned object, looked up in `cache`.
    kube::Task<void> ensure_owned(const kube::ResourceRef& resource, kube::Informer& cache, const std::string& ns,
                                  const std::string& name, const boost::json::object* desired, State& state);
    kube::Task<boost::json::object> ensure_finalizer(boost::json::object project);
    kube::Task<void> write_status(const boost::json::object& project, const State& state);

    kube::Client client_;
    const OperatorConfig& config_;
    ProjectCaches caches_;
};

// Registers the Project controller (and its informers) with the manager.
void add_project_controller(kube::Manager& manager, const OperatorConfig& config);

}  // namespace sb::op
