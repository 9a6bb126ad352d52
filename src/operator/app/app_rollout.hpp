#pragma once
// The deploy of an App and the following of its rollout: the app's
// HelmChart for the image of a finished build, then helm-controller's
// install Job and the release's Deployments, followed through informers
// until the rollout ends. Reported on the AppBuild (condition Deployed) and
// on the App (phase Deploying -> Running | Failed, message, currentImage,
// previousImage, latestBuild, url). The one writer of an App's images.
//
// The AppBuild controller calls deploy() for a finished build and lets
// watch_from() wake it when the rollout moves or a bound Service changes.
#include <boost/json/object.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "kube/controller.hpp"
#include "kube/informer.hpp"
#include "kube/manager.hpp"
#include "operator/helm/attempt_logs.hpp"
#include "operator/helm/deploy_status.hpp"
#include "operator/helm/helm_values.hpp"

namespace sb::op {

// Index of helm-controller's pods and of Deployments by "namespace/release".
inline constexpr std::string_view kReleaseIndex = "shapeblock.io/by-release";

class AppRollout {
public:
    // Creates (or shares) the informers it reads. default_registry_secret:
    // the pull secret of apps that name none.
    AppRollout(kube::Manager& mgr, helm::DeployConfig config, std::string default_registry_secret);
    AppRollout(const AppRollout&) = delete;
    AppRollout& operator=(const AppRollout&) = delete;

    // Maps rollout events (install Job and pods, the release's Deployments)
    // and bound Service changes to the app's current build, on controller.
    void watch_from(kube::Controller& controller) const;

    // Writes the app's HelmChart for image (build's result), then reports
    // how far the rollout is; returns when to look again.
    kube::Task<kube::Result> deploy(const boost::json::object& build, const boost::json::object& app,
                                    const std::string& image);

private:
    struct ChartWrite;
    kube::Task<ChartWrite> write_chart(const boost::json::object& build, const boost::json::object& app,
                                       const boost::json::object& desired, const std::string& image);
    helm::DeployObservation observe(const std::string& ns, const helm::DeployTarget& target) const;
    kube::Task<void> report(const boost::json::object& build, const boost::json::object& app, const std::string& image,
                            const std::string& url, helm::DeployObservation obs);
    kube::Task<void> report_on_app(const boost::json::object& build, const boost::json::object& app,
                                   const std::string& image, const std::string& url,
                                   const helm::DeployObservation& obs);
    // The latest build of the app named like a HelmChart/release in ns.
    std::vector<kube::Request> latest_build_of_app(std::string_view ns, std::string_view app) const;
    std::string registry_secret_for(const boost::json::object& app) const;

    kube::Client& client_;
    helm::DeployConfig config_;
    std::string default_registry_secret_;
    kube::Informer& builds_;
    kube::Informer& apps_;
    kube::Informer& services_;
    kube::Informer& helm_jobs_;    // helm-controller's install Jobs
    kube::Informer& helm_pods_;
    kube::Informer& deployments_;  // of Helm releases
    helm::AttemptLogs attempt_logs_;
};

}  // namespace sb::op
