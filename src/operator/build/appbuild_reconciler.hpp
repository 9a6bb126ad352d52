#pragma once
// The AppBuild controller: one build Job per AppBuild (deterministic name, so
// a restarted operator never creates a second), status from the Job and its
// Pod, image reuse, supersede, one build per app at a time, history limit;
// then the deploy: the app's HelmChart and App.status (currentImage,
// previousImage, latestBuild, url), followed to the end through
// helm-controller's install Job and the release's Deployments
// (App phase Deploying -> Running | Failed, AppBuild condition Deployed).
// It also redeploys the app's current build when the App or a bound Service
// changes.
#include <boost/json/object.hpp>
#include <chrono>
#include <string>
#include <vector>

#include "operator/build/build_config.hpp"
#include "operator/build/build_plan.hpp"
#include "operator/deploy/attempt_logs.hpp"
#include "operator/deploy/deploy_status.hpp"
#include "kube/controller.hpp"
#include "operator/deploy/helm_values.hpp"
#include "kube/informer.hpp"
#include "kube/manager.hpp"

namespace sb::op::build {

struct AppBuildSettings {
    BuildConfig build;
    deploy::DeployConfig deploy;
    RegistryDefaults registry;
    int history_limit = 10;  // finished AppBuilds kept per app
    int workers = 4;
};

class AppBuildController {
public:
    // Creates (or shares) the informers it needs and adds its controller to mgr.
    AppBuildController(kube::Manager& mgr, AppBuildSettings settings);
    AppBuildController(const AppBuildController&) = delete;
    AppBuildController& operator=(const AppBuildController&) = delete;

    kube::Task<kube::Result> reconcile(const kube::Request& request);

private:
    kube::Task<kube::Result> reconcile_active(const boost::json::object& build, const boost::json::object& app);
    // Writes the HelmChart, then follows it; returns when to look again.
    kube::Task<kube::Result> deploy(const boost::json::object& build, const boost::json::object& app, const std::string& image);
    kube::Task<void> report_deploy(const boost::json::object& build, const boost::json::object& app,
                                   const std::string& image, const std::string& url, deploy::DeployObservation obs);
    deploy::DeployObservation observe(const std::string& ns, const deploy::DeployTarget& target) const;
    // The latest build of the app named like a HelmChart/release in ns.
    std::vector<kube::Request> latest_build_of_app(std::string_view ns, std::string_view app) const;
    kube::Task<void> prune_history(const boost::json::object& app);
    kube::Task<void> patch_status(const boost::json::object& build, boost::json::object status);
    kube::Task<void> fail(const boost::json::object& build, std::string_view reason, const std::string& message);
    kube::Task<void> ensure_owned_by_app(const boost::json::object& build, const boost::json::object& app);

    std::vector<kube::Object> builds_of(std::string_view ns, std::string_view app) const;
    std::vector<kube::Request> queued_siblings(const boost::json::object& build) const;
    std::string registry_secret_for(const boost::json::object& app) const;

    kube::Client& client_;
    AppBuildSettings settings_;
    kube::Informer& builds_;
    kube::Informer& apps_;
    kube::Informer& jobs_;
    kube::Informer& pods_;
    kube::Informer& services_;
    kube::Informer& helm_jobs_;    // helm-controller's install Jobs
    kube::Informer& helm_pods_;
    kube::Informer& deployments_;  // of Helm releases
    deploy::AttemptLogs attempt_logs_;
};

// Index of helm-controller's pods and of Deployments by "namespace/release".
inline constexpr std::string_view kReleaseIndex = "shapeblock.io/by-release";
// Index of AppBuilds by "namespace/appName".
inline constexpr std::string_view kBuildsByAppIndex = "shapeblock.io/builds-by-app";

}  // namespace sb::op::build
