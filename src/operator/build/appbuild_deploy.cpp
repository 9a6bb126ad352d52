// The deploy half of the AppBuild controller: the app's HelmChart, then
// helm-controller's install Job and the release's rollout, reported on the
// AppBuild (condition Deployed) and the App (phase, message, images, url).
#include <boost/json/array.hpp>
#include <functional>

#include "operator/build/appbuild_reconciler.hpp"
#include "operator/build/appbuild_status.hpp"
#include "common/log.hpp"
#include "operator/deploy/deploy_request.hpp"
#include "kube/errors.hpp"
#include "operator/deploy/helm_chart_owner.hpp"
#include "kube/object_helpers.hpp"

namespace sb::op::build {

namespace json = boost::json;
using namespace std::chrono_literals;

namespace {

std::string annotation_of(const json::object& obj, std::string_view key) {
    if (const auto* annotations = find_object(obj, "metadata.annotations"))
        if (auto* v = annotations->if_contains(key); v && v->is_string()) return std::string(v->get_string());
    return {};
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
    if (spec_changed || !chart_annotations.contains(deploy::kReplacedJobAnnotation))
        chart_annotations[deploy::kReplacedJobAnnotation] = current_job_uid.empty() ? "none" : current_job_uid;
}

kube::WriteOptions write_options() {
    kube::WriteOptions o;
    o.field_manager = std::string(kFieldManager);
    return o;
}

std::string_view app_phase_for(deploy::DeployState state) {
    switch (state) {
        case deploy::DeployState::running: return "Running";
        case deploy::DeployState::failed: return "Failed";
        default: return "Deploying";
    }
}

void log_build_event(std::string_view message, const json::object& build, const std::string& detail) {
    sb::log::info(message, {{"key", text(kube::object_key(build))}, {"detail", text(detail)}});
}

bool app_is_invalid(const json::object& app) { return condition_in(app, "Valid").status == "False"; }

}  // namespace

deploy::DeployObservation AppBuildController::observe(const std::string& ns, const deploy::DeployTarget& target) const {
    auto job = helm_jobs_.store().get(ns, deploy::install_job_name(target.chart));
    std::vector<json::object> pods, deployments;
    const auto key = ns + "/" + target.chart;
    for (const auto& p : helm_pods_.store().by_index(std::string(kReleaseIndex), key)) {
        // Only the pods of this incarnation of the Job.
        if (job && !is_owned_by(*p, kube::object_uid(*job))) continue;
        pods.push_back(*p);
    }
    for (const auto& d : deployments_.store().by_index(std::string(kReleaseIndex), key)) deployments.push_back(*d);
    return deploy::observe_deploy(target, job.get(), pods, deployments);
}

kube::Task<kube::Result> AppBuildController::deploy(const json::object& build, const json::object& app, const std::string& image) {
    const std::string ns(kube::object_namespace(build));
    const std::string name(kube::object_name(build));
    const std::string app_name(kube::object_name(app));
    auto status = current_status(build);
    const auto generation = object_generation(build);
    if (image.empty()) {
        co_await fail(build, "DeployFailed", "the build finished without an image reference to deploy");
        co_return kube::Result::done();
    }
    // Never let an older build overwrite the deploy of a newer one.
    const auto latest = get_string(app, "status.latestBuild");
    if (!latest.empty() && latest != name) {
        if (auto current = builds_.store().get(ns, latest); current && created_before(build, *current)) {
            set_cond(status, generation, "Deployed", false, "Outdated", "build " + latest + " is deployed instead");
            co_await patch_status(build, std::move(status));
            co_return kube::Result::done();
        }
    }

    std::vector<std::string> secrets;
    for (const auto& service : deploy::bound_services(app)) {
        auto svc = services_.store().get(ns, service);
        secrets.push_back(deploy::connection_secret_name(service, svc.get()));
    }
    auto request = deploy::deploy_request_for(app, build, image, std::move(secrets), registry_secret_for(app));
    auto desired = deploy::helm_chart(request, settings_.deploy, app);
    const auto url = deploy::app_url(request, settings_.deploy);
    std::string deploy_error, conflict, replaced_job_uid;
    // The install Job as the cache has it now; a spec change makes it obsolete.
    std::string current_job_uid;
    if (auto job = helm_jobs_.store().get(ns, deploy::install_job_name(app_name))) current_job_uid = kube::object_uid(*job);
    try {
        // Named arguments: g++ 12 mishandles default and temporary class
        // arguments of coroutines.
        const std::string app_uid(kube::object_uid(app));
        const std::function<void(json::object&)> mutate = [&](json::object& chart) {
            deploy::check_chart_owner(chart, "App", app_uid);
            merge_chart(chart, desired, current_job_uid);
            replaced_job_uid = annotation_of(chart, deploy::kReplacedJobAnnotation);
        };
        const auto options = write_options();
        auto result = co_await kube::create_or_update(client_, crds::helmcharts, ns, app_name, mutate, nullptr, options);
        if (result != kube::OperationResult::unchanged) log_build_event("helmchart written", build, image);
    } catch (const deploy::ChartOwnedElsewhere& e) {
        conflict = e.what();
    } catch (const kube::ApiError& e) {
        if (kube::is_conflict(e)) throw;  // retried with back-off
        deploy_error = std::string("writing the HelmChart failed: ") + e.what();
    }
    if (!deploy_error.empty()) {
        status["phase"] = "Failed";
        status["reason"] = "DeployFailed";
        status["message"] = deploy_error;
        set_cond(status, generation, "Deployed", false, "DeployFailed", deploy_error);
        co_await patch_status(build, std::move(status));
        co_return kube::Result::done();
    }

    deploy::DeployObservation obs;
    if (!conflict.empty()) {
        obs.state = deploy::DeployState::failed;
        obs.reason = std::string(deploy::deploy_reasons::chart_conflict);
        obs.message = conflict;
    } else {
        obs = observe(ns, deploy::DeployTarget{app_name, replaced_job_uid, image});
        co_await attempt_logs_.add_to(ns, app_name, obs);
    }
    co_await report_deploy(build, app, image, url, std::move(obs));
    // A conflicting chart has no informer here: look again now and then.
    if (!conflict.empty()) co_return kube::Result::after(30s);
    co_return kube::Result::done();
}

kube::Task<void> AppBuildController::report_deploy(const json::object& build, const json::object& app,
                                                   const std::string& image, const std::string& url,
                                                   deploy::DeployObservation obs) {
    const std::string ns(kube::object_namespace(build));
    const std::string app_name(kube::object_name(app));
    auto status = current_status(build);
    const bool running = obs.state == deploy::DeployState::running;
    // A failure keeps the message it was first reported with (its log lines
    // were fetched then; the pods may be gone since).
    const auto previous = condition_in(build, "Deployed");
    if (obs.state == deploy::DeployState::failed && previous.status == "False" && previous.reason == obs.reason)
        obs.message = previous.message;
    set_cond(status, object_generation(build), "Deployed", running, obs.reason, obs.message);
    co_await patch_status(build, std::move(status));
    if (previous.reason != obs.reason)
        log_build_event(running ? "deploy running" : "deploy " + obs.reason, build, obs.message);

    // App status: the fields this controller owns, merged. Phase and message
    // stay with the App controller while the App is invalid.
    const auto current = get_string(app, "status.currentImage");
    json::object app_status;
    app_status["latestBuild"] = kube::object_name(build);
    app_status["currentImage"] = image;
    if (!current.empty() && current != image) app_status["previousImage"] = current;
    app_status["url"] = url;
    if (!app_is_invalid(app)) {
        app_status["phase"] = app_phase_for(obs.state);
        app_status["message"] = obs.message;
    }
    bool changed = false;
    const auto* have_status = find_object(app, "status");
    for (const auto& [k, v] : app_status) {
        auto* have = have_status ? have_status->if_contains(k) : nullptr;
        if (!have || *have != v) changed = true;
    }
    if (!changed) co_return;
    app_status["lastUpdated"] = now_rfc3339();
    try {
        co_await client_.merge_patch(crds::apps, ns, app_name, wrap("status", std::move(app_status)), kStatusSubresource,
                                     kWriteOptions);
    } catch (const kube::ApiError& e) {
        if (!kube::is_not_found(e)) throw;  // the App is being deleted
    }
}

}  // namespace sb::op::build
