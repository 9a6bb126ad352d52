#include "operator/app/app_rollout.hpp"

#include <boost/json/array.hpp>
#include <algorithm>
#include <functional>

#include "common/log.hpp"
#include "kube/errors.hpp"
#include "kube/object_helpers.hpp"
#include "operator/common/crd_types.hpp"
#include "operator/common/status_edits.hpp"
#include "operator/helm/deploy_request.hpp"
#include "operator/helm/helm_chart_owner.hpp"

namespace sb::op {

namespace json = boost::json;
using namespace std::chrono_literals;

namespace {

// "namespace/<label value>" (objects without the label are not indexed).
kube::IndexFunc namespaced_label_index(std::string_view label) {
    return [key = std::string(label)](const json::object& obj) -> std::vector<std::string> {
        auto value = label_value(obj, key);
        if (value.empty()) return {};
        return {std::string(kube::object_namespace(obj)) + "/" + std::string(value)};
    };
}


// Our labels, annotations, owner and spec onto the HelmChart as it is. A
// change of the spec records the install Job it makes obsolete (uid or "none").
void merge_chart(json::object& chart, const json::object& desired, const std::string& current_job_uid) {
    auto& meta = ensure_object(chart, "metadata");
    const auto& want = desired.at("metadata").as_object();
    auto& labels = ensure_object(chart, "metadata.labels");
    for (const auto& [k, v] : want.at("labels").as_object()) labels[k] = v;
    auto& annotations = ensure_object(chart, "metadata.annotations");
    for (const auto& [k, v] : want.at("annotations").as_object()) annotations[k] = v;
    meta["ownerReferences"] = want.at("ownerReferences");
    auto& spec = ensure_object(chart, "spec");
    bool spec_changed = false;
    for (const auto& [k, v] : desired.at("spec").as_object()) {
        if (auto* have = spec.if_contains(k); have && *have == v) continue;
        spec[k] = v;
        spec_changed = true;
    }
    // Looked up again: adding "spec" may have moved the metadata object.
    auto& chart_annotations = ensure_object(chart, "metadata.annotations");
    if (spec_changed || !chart_annotations.contains(helm::kReplacedJobAnnotation))
        chart_annotations[helm::kReplacedJobAnnotation] = current_job_uid.empty() ? "none" : current_job_uid;
}

std::string_view app_phase_for(helm::DeployState state) {
    switch (state) {
        case helm::DeployState::running: return "Running";
        case helm::DeployState::failed: return "Failed";
        default: return "Deploying";
    }
}

void log_build_event(std::string_view message, const json::object& build, const std::string& detail) {
    sb::log::info(message, {{"key", text(kube::object_key(build))}, {"detail", text(detail)}});
}

constexpr std::string_view kStoppedMessage = "stopped";

bool app_is_invalid(const json::object& app) { return condition_in(app, "Valid").status == "False"; }

// The fields of status that differ from obj's status.
bool status_differs(const json::object& obj, const json::object& status) {
    const auto* have_status = find_object(obj, "status");
    for (const auto& [k, v] : status) {
        auto* have = have_status ? have_status->if_contains(k) : nullptr;
        if (!have || *have != v) return true;
    }
    return false;
}

}  // namespace

// What writing the HelmChart came to: an error to report, a chart owned by
// someone else, or the install Job the new spec makes obsolete.
struct AppRollout::ChartWrite {
    std::string error;
    std::string conflict;
    std::string replaced_job_uid;
};

AppRollout::AppRollout(kube::Manager& mgr, helm::DeployConfig config, std::string default_registry_secret)
    : client_(mgr.client()),
      config_(std::move(config)),
      default_registry_secret_(std::move(default_registry_secret)),
      builds_(mgr.informer(crds::appbuilds)),
      apps_(mgr.informer(crds::apps)),
      services_(mgr.informer(crds::services)),
      helm_jobs_(mgr.informer(kube::resources::jobs, {.label_selector = std::string(helm::kHelmChartLabel)})),
      helm_pods_(mgr.informer(kube::resources::pods, {.label_selector = std::string(helm::kHelmChartLabel)})),
      deployments_(mgr.informer(kube::resources::deployments, {.label_selector = std::string(helm::kInstanceLabel)})),
      attempt_logs_(mgr.client()) {
    helm_pods_.add_index(std::string(kReleaseIndex), namespaced_label_index(helm::kHelmChartLabel));
    deployments_.add_index(std::string(kReleaseIndex), namespaced_label_index(helm::kInstanceLabel));
}

void AppRollout::watch_from(kube::Controller& controller) const {
    // helm-controller's install Job and its pods, the release's Deployments;
    // HelmCharts are named after the app.
    for (auto* informer : {&helm_jobs_, &helm_pods_}) {
        controller.watches(*informer, [this](const json::object& obj) {
            return latest_build_of_app(kube::object_namespace(obj), label_value(obj, helm::kHelmChartLabel));
        });
    }
    controller.watches(deployments_, [this](const json::object& d) {
        return latest_build_of_app(kube::object_namespace(d), label_value(d, helm::kInstanceLabel));
    });
    // A bound Service changed: redeploy (its connection secret may be new).
    controller.watches(services_, [this](const json::object& service) {
        std::vector<kube::Request> out;
        const std::string ns(kube::object_namespace(service));
        for (const auto& app : apps_.store().list_namespace(ns)) {
            auto bound = helm::bound_services(*app);
            if (std::find(bound.begin(), bound.end(), kube::object_name(service)) == bound.end()) continue;
            auto latest = get_string(*app, "status.latestBuild");
            if (!latest.empty()) out.push_back({ns, latest});
        }
        return out;
    });
}

std::vector<kube::Request> AppRollout::latest_build_of_app(std::string_view ns, std::string_view app_name) const {
    if (app_name.empty()) return {};
    auto app = apps_.store().get(std::string(ns), std::string(app_name));
    if (!app) return {};
    auto latest = get_string(*app, "status.latestBuild");
    if (latest.empty()) return {};
    return {kube::Request{std::string(ns), latest}};
}

std::string AppRollout::registry_secret_for(const json::object& app) const {
    auto name = get_string(app, "spec.registry.secretName");
    return name.empty() ? default_registry_secret_ : name;
}

helm::DeployObservation AppRollout::observe(const std::string& ns, const helm::DeployTarget& target) const {
    auto job = helm_jobs_.store().get(ns, helm::install_job_name(target.chart));
    std::vector<json::object> pods, deployments;
    const auto key = ns + "/" + target.chart;
    for (const auto& p : helm_pods_.store().by_index(std::string(kReleaseIndex), key)) {
        // Only the pods of this incarnation of the Job.
        if (job && !is_owned_by(*p, kube::object_uid(*job))) continue;
        pods.push_back(*p);
    }
    for (const auto& d : deployments_.store().by_index(std::string(kReleaseIndex), key)) deployments.push_back(*d);
    return helm::observe_deploy(target, job.get(), pods, deployments);
}

kube::Task<kube::Result> AppRollout::deploy(const json::object& build, const json::object& app, const std::string& image) {
    const std::string ns(kube::object_namespace(build));
    const std::string name(kube::object_name(build));
    const std::string app_name(kube::object_name(app));
    auto status = current_status(build);
    const auto generation = object_generation(build);
    // Never let an older build overwrite the deploy of a newer one.
    const auto latest = get_string(app, "status.latestBuild");
    if (!latest.empty() && latest != name) {
        if (auto current = builds_.store().get(ns, latest); current && created_before(build, *current)) {
            set_cond(status, generation, "Deployed", false, "Outdated", "build " + latest + " is deployed instead");
            co_await patch_status(client_, crds::appbuilds, build, std::move(status));
            co_return kube::Result::done();
        }
    }

    std::vector<std::string> secrets;
    for (const auto& service : helm::bound_services(app)) {
        auto svc = services_.store().get(ns, service);
        secrets.push_back(helm::connection_secret_name(service, svc.get()));
    }
    auto request = helm::deploy_request_for(app, build, image, std::move(secrets), registry_secret_for(app));
    const auto desired = helm::helm_chart(request, config_, app);
    const auto url = helm::app_url(request, config_);
    const auto written = co_await write_chart(build, app, desired, image);
    if (!written.error.empty()) {
        status["phase"] = "Failed";
        status["reason"] = "DeployFailed";
        status["message"] = written.error;
        set_cond(status, generation, "Deployed", false, "DeployFailed", written.error);
        co_await patch_status(client_, crds::appbuilds, build, std::move(status));
        co_return kube::Result::done();
    }

    helm::DeployObservation obs;
    if (!written.conflict.empty()) {
        obs.state = helm::DeployState::failed;
        obs.reason = std::string(helm::deploy_reasons::chart_conflict);
        obs.message = written.conflict;
    } else {
        obs = observe(ns, helm::DeployTarget{app_name, written.replaced_job_uid, image});
        co_await attempt_logs_.add_to(ns, app_name, obs);
    }
    co_await report(build, app, image, url, std::move(obs));
    // A conflicting chart has no informer here: look again now and then.
    if (!written.conflict.empty()) co_return kube::Result::after(30s);
    co_return kube::Result::done();
}

kube::Task<AppRollout::ChartWrite> AppRollout::write_chart(const json::object& build, const json::object& app,
                                                           const json::object& desired, const std::string& image) {
    const std::string ns(kube::object_namespace(app));
    const std::string app_name(kube::object_name(app));
    ChartWrite written;
    // The install Job as the cache has it now; a spec change makes it obsolete.
    std::string current_job_uid;
    if (auto job = helm_jobs_.store().get(ns, helm::install_job_name(app_name))) current_job_uid = kube::object_uid(*job);
    try {
        // Named arguments: g++ 12 mishandles default and temporary class
        // arguments of coroutines.
        const std::string app_uid(kube::object_uid(app));
        const std::function<void(json::object&)> mutate = [&](json::object& chart) {
            helm::check_chart_owner(chart, "App", app_uid);
            merge_chart(chart, desired, current_job_uid);
            written.replaced_job_uid = std::string(annotation_value(chart, helm::kReplacedJobAnnotation));
        };
        const auto options = kWriteOptions;
        auto result = co_await kube::create_or_update(client_, crds::helmcharts, ns, app_name, mutate, nullptr, options);
        if (result != kube::OperationResult::unchanged)
            log_build_event("helmchart written", build, image);
    } catch (const helm::ChartOwnedElsewhere& e) {
        written.conflict = e.what();
    } catch (const kube::ApiError& e) {
        if (kube::is_conflict(e)) throw;  // retried with back-off
        written.error = std::string("writing the HelmChart failed: ") + e.what();
    }
    co_return written;
}

kube::Task<void> AppRollout::report(const json::object& build, const json::object& app, const std::string& image,
                                    const std::string& url, helm::DeployObservation obs) {
    auto status = current_status(build);
    const bool running = obs.state == helm::DeployState::running;
    // A failure keeps the message it was first reported with (its log lines
    // were fetched then; the pods may be gone since).
    const auto previous = condition_in(build, "Deployed");
    if (obs.state == helm::DeployState::failed && previous.status == "False" && previous.reason == obs.reason)
        obs.message = previous.message;
    set_cond(status, object_generation(build), "Deployed", running, obs.reason, obs.message);
    co_await patch_status(client_, crds::appbuilds, build, std::move(status));
    if (previous.reason != obs.reason)
        log_build_event(running ? "deploy running" : "deploy " + obs.reason, build, obs.message);
    co_await report_on_app(build, app, image, url, obs);
}

kube::Task<void> AppRollout::report_on_app(const json::object& build, const json::object& app, const std::string& image,
                                           const std::string& url, const helm::DeployObservation& obs) {
    // The fields this unit owns, merged. Phase and message stay with the App
    // controller while the App is invalid.
    const auto current = get_string(app, "status.currentImage");
    json::object app_status;
    app_status["latestBuild"] = kube::object_name(build);
    app_status["currentImage"] = image;
    if (!current.empty() && current != image) app_status["previousImage"] = current;
    app_status["url"] = url;
    // An App without a build type shows the one its deployed build detected.
    if (const auto type = get_string(build, "status.buildType");
        get_string(app, "spec.build.type").empty() && (type == "dockerfile" || type == "buildpack"))
        app_status["buildType"] = type;
    if (!app_is_invalid(app)) {
        app_status["phase"] = app_phase_for(obs.state);
        // A stopped app is Running with zero replicas: its deploy is in place.
        const bool stopped = get_bool(app, "spec.stopped").value_or(false);
        app_status["message"] = stopped && obs.state == helm::DeployState::running ? std::string(kStoppedMessage) : obs.message;
    }
    if (!status_differs(app, app_status)) co_return;
    app_status["lastUpdated"] = now_rfc3339();
    try {
        co_await client_.merge_patch(crds::apps, kube::object_namespace(app), kube::object_name(app),
                                     wrap("status", std::move(app_status)), kStatusSubresource, kWriteOptions);
    } catch (const kube::ApiError& e) {
        if (!kube::is_not_found(e)) throw;  // the App is being deleted
    }
}

}  // namespace sb::op
