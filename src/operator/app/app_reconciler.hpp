#pragma once
// The App controller: checks what the schema cannot (app_validation.hpp),
// keeps immutable fields immutable, generates the SSH deploy key of a
// private repository into the Secret <app>-ssh (owned by the App) with the
// public key in status.deployKey, records the build strategy in
// status.buildType, and reports problems as phase Failed with a message the
// user can act on. It also reports the app's hosts (status.domains, each
// with its certificate state) and status.dnsTarget from the app's Ingresses
// and cert-manager's Certificates (domain_status.hpp). The build/deploy
// controllers own latestBuild,
// currentImage and previousImage; this one never overwrites them.
#include <boost/json/object.hpp>
#include <string>

#include "kube/controller.hpp"
#include "kube/informer.hpp"
#include "operator/app/domain_status.hpp"
#include "operator/common/operator_config.hpp"

namespace sb::kube {
class Manager;
}

namespace sb::op {

struct AppCaches {
    kube::Informer& apps;
    kube::Informer& managed_secrets;  // label app.kubernetes.io/managed-by=shapeblock, all namespaces
    kube::Informer& ingresses;        // label shapeblock.io/app (the deploy chart's), all namespaces
    kube::Informer* certificates;     // cert-manager's; nullptr when the cluster has no such API
};

// "<app>-ssh".
std::string deploy_key_secret_name(std::string_view app);

class AppReconciler {
public:
    AppReconciler(kube::Client client, const OperatorConfig& config, AppCaches caches);
    kube::Task<kube::Result> reconcile(const kube::Request& request);

private:
    struct State;
    kube::Task<boost::json::object> record_accepted_fields(boost::json::object app);
    kube::Task<void> ensure_deploy_key(const boost::json::object& app, State& state);
    // The repository is no longer private, or has a git.secretName: the
    // generated key goes (never a Secret the app does not own).
    kube::Task<void> remove_deploy_key(const boost::json::object& app, State& state);
    kube::Task<void> check_secret_exists(const boost::json::object& app, std::string_view field, State& state);
    kube::Task<void> write_status(const boost::json::object& app, State& state);
    DomainReport domains_of(const boost::json::object& app) const;

    kube::Client client_;
    const OperatorConfig& config_;
    AppCaches caches_;
};

// certificate_api: cert-manager's Certificate API is served (certificate_api.hpp).
void add_app_controller(kube::Manager& manager, const OperatorConfig& config, bool certificate_api);

}  // namespace sb::op
