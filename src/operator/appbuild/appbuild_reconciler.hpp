#pragma once
// The AppBuild controller: one build Job per AppBuild (deterministic name, so
// a restarted operator never creates a second), status from the Job and its
// Pod, image reuse, supersede, one build per app at a time, history limit.
// A finished build is handed to the App's rollout (app/app_rollout.hpp),
// which deploys it and follows the rollout; the current build of an app is
// deployed again when the App or a bound Service changes.
#include <boost/json/object.hpp>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "kube/controller.hpp"
#include "kube/informer.hpp"
#include "kube/manager.hpp"
#include "operator/app/app_rollout.hpp"
#include "operator/appbuild/build_config.hpp"
#include "operator/appbuild/build_plan.hpp"
#include "operator/helm/helm_values.hpp"

namespace sb::op {
struct OperatorConfig;
}

namespace sb::op::appbuild {

struct AppBuildSettings {
    BuildConfig build;
    helm::DeployConfig deploy;
    RegistryDefaults registry;
    int history_limit = 10;         // finished AppBuilds kept per app
    int max_concurrent_builds = 0;  // build Jobs running at once in the cluster; 0: no limit
    int workers = 4;
};

AppBuildSettings appbuild_settings_from(const OperatorConfig& config);

class AppBuildReconciler {
public:
    // Creates (or shares) the informers it needs.
    AppBuildReconciler(kube::Manager& mgr, AppBuildSettings settings);
    AppBuildReconciler(const AppBuildReconciler&) = delete;
    AppBuildReconciler& operator=(const AppBuildReconciler&) = delete;

    kube::Task<kube::Result> reconcile(const kube::Request& request);
    // AppBuilds and their Jobs, and what else controller watches, mapped to the AppBuilds to reconcile.
    void watch_from(kube::Controller& controller);

private:
    kube::Task<kube::Result> reconcile_finished(const boost::json::object& build, const boost::json::object& app);
    kube::Task<kube::Result> reconcile_active(const boost::json::object& build, const boost::json::object& app);
    // A newer build supersedes this queued one; an older running one makes it wait. True when it must not start.
    kube::Task<bool> superseded_or_queued(const boost::json::object& build, const std::vector<kube::Object>& siblings);
    kube::Task<kube::Result> complete_without_build(const boost::json::object& build, const boost::json::object& app,
                                                    const BuildPlan& plan);
    kube::Task<kube::Result> reuse_image(const boost::json::object& build, const boost::json::object& app,
                                         const BuildPlan& plan, const boost::json::object& earlier,
                                         const std::string& commit);
    kube::Task<kube::Result> check_job_still_exists(const boost::json::object& build);
    std::size_t running_builds();
    kube::Task<kube::Result> start_job(const boost::json::object& build, const BuildPlan& plan);
    kube::Task<kube::Result> follow_job(const boost::json::object& build, const boost::json::object& app,
                                        const boost::json::object& job, const BuildPlan& plan,
                                        const std::vector<kube::Object>& siblings);
    // Hands a finished build's image to the App's rollout.
    kube::Task<kube::Result> deploy(const boost::json::object& build, const boost::json::object& app,
                                    const std::string& image);
    kube::Task<void> prune_history(const boost::json::object& app);
    kube::Task<void> patch_status(const boost::json::object& build, boost::json::object status);
    kube::Task<void> fail(const boost::json::object& build, std::string_view reason, const std::string& message);
    kube::Task<void> ensure_owned_by_app(const boost::json::object& build, const boost::json::object& app);
    kube::Task<void> record_settings(const boost::json::object& build, const BuildPlan& plan);

    std::vector<kube::Object> builds_of(std::string_view ns, std::string_view app) const;
    std::vector<kube::Request> queued_siblings(const boost::json::object& build) const;
    // The builds an App change concerns: unfinished ones and the current one.
    std::vector<kube::Request> builds_to_redeploy(const boost::json::object& app) const;

    kube::Client& client_;
    AppBuildSettings settings_;
    kube::Informer& builds_;
    kube::Informer& apps_;
    kube::Informer& jobs_;
    kube::Informer& pods_;
    std::set<std::string> starting_jobs_;  // namespace/name of Jobs created, not yet in the cache
    AppRollout rollout_;
};

// Index of AppBuilds by "namespace/appName".
inline constexpr std::string_view kBuildsByAppIndex = "shapeblock.io/builds-by-app";

// Registers the AppBuild controller (and its informers) with the manager.
void add_appbuild_controller(kube::Manager& manager, const OperatorConfig& config);
// The same with settings spelled out (tests).
void add_appbuild_controller(kube::Manager& manager, AppBuildSettings settings);

}  // namespace sb::op::appbuild
