#include "operator/service/service_reconciler.hpp"

#include <boost/json/array.hpp>
#include <algorithm>

#include "operator/common/crd_types.hpp"
#include "operator/common/operator_config.hpp"
#include "operator/common/status_edits.hpp"
#include "operator/helm/deploy_request.hpp"
#include "kube/errors.hpp"
#include "operator/helm/deploy_status.hpp"
#include "operator/helm/helm_chart_owner.hpp"
#include "operator/helm/statefulset_status.hpp"
#include "common/log.hpp"
#include "kube/object_helpers.hpp"

namespace sb::op::service {

namespace json = boost::json;
using namespace std::chrono_literals;

namespace {

// Pods of a release's StatefulSets only (the StatefulSet controller labels
// each pod with its name), not the apps' Deployment pods of the same label.
constexpr std::string_view kStatefulSetPodSelector = "app.kubernetes.io/instance,statefulset.kubernetes.io/pod-name";
// Index of the release's StatefulSets and pods by "namespace/<instance label>".
const std::string kByRelease = "shapeblock.io/service-release";

std::vector<std::string> namespaced_release(const json::object& obj) {
    auto release = label_value(obj, helm::kInstanceLabel);
    if (release.empty()) return {};
    return {std::string(kube::object_namespace(obj)) + "/" + std::string(release)};
}

std::vector<json::object> release_objects(const kube::Informer& informer, const std::string& ns, const std::string& release) {
    std::vector<json::object> out;
    for (const auto& obj : informer.store().by_index(kByRelease, ns + "/" + release)) out.push_back(*obj);
    return out;
}

json::array finalizers_of(const json::object& obj) {
    const auto* meta = find_object(obj, "metadata");
    if (meta)
        if (auto* f = meta->if_contains("finalizers"); f && f->is_array()) return f->get_array();
    return {};
}

json::value strings(const std::vector<std::string>& list) {
    json::array a;
    for (const auto& s : list) a.emplace_back(s);
    return a;
}

std::string join(const std::vector<std::string>& list) {
    std::string out;
    for (const auto& s : list) out += (out.empty() ? "" : ", ") + s;
    return out;
}

json::object status_object(std::string_view phase, const std::string& message, const std::string& secret,
                           const std::vector<std::string>& bound) {
    json::object s;
    s["phase"] = phase;
    s["message"] = message;
    if (!secret.empty()) s["connectionSecretName"] = secret;
    s["boundApps"] = strings(bound);
    return s;
}

void copy_fields(json::object& into, const json::object& from) {
    auto& meta = ensure_object(into, "metadata");
    const auto& want = from.at("metadata").as_object();
    meta["labels"] = want.at("labels");
    meta["ownerReferences"] = want.at("ownerReferences");
    for (std::string_view key : {"spec", "data", "type"})
        if (auto* v = from.if_contains(key)) into[key] = *v;
}

// The chart's fields; a change of its spec records the install Job it makes obsolete.
void copy_chart(json::object& into, const json::object& from, const std::string& current_job_uid) {
    const auto* before = into.if_contains("spec");
    const bool spec_changed = !before || *before != from.at("spec");
    copy_fields(into, from);
    auto& annotations = ensure_object(into, "metadata.annotations");
    if (spec_changed || !annotations.contains(helm::kReplacedJobAnnotation))
        annotations[helm::kReplacedJobAnnotation] = current_job_uid.empty() ? "none" : current_job_uid;
}


}  // namespace

ServiceReconciler::ServiceReconciler(kube::Manager& mgr, ServiceConfig config)
    : client_(mgr.client()),
      config_(std::move(config)),
      services_(mgr.informer(crds::services)),
      apps_(mgr.informer(crds::apps)),
      helm_jobs_(mgr.informer(kube::resources::jobs, {.label_selector = std::string(helm::kHelmChartLabel)})),
      helm_pods_(mgr.informer(kube::resources::pods, {.label_selector = std::string(helm::kHelmChartLabel)})),
      statefulsets_(mgr.informer(kube::resources::statefulsets, {.label_selector = std::string(helm::kInstanceLabel)})),
      release_pods_(mgr.informer(kube::resources::pods, {.label_selector = std::string(kStatefulSetPodSelector)})),
      attempt_logs_(mgr.client()) {
    statefulsets_.add_index(kByRelease, namespaced_release);
    release_pods_.add_index(kByRelease, namespaced_release);
}

void ServiceReconciler::watch_from(kube::Controller& controller) {
    controller.for_resource(services_);
    // The service named by `label` of a changed object, when it exists.
    auto service_labelled = [this](std::string_view label) {
        return [this, label](const json::object& obj) -> std::vector<kube::Request> {
            auto name = std::string(label_value(obj, label));
            const std::string ns(kube::object_namespace(obj));
            if (name.empty() || !services_.store().get(ns, name)) return {};
            return {kube::Request{ns, name}};
        };
    };
    // helm-controller's install Job (and its pods) of the service's HelmChart, named after it.
    for (auto* informer : {&helm_jobs_, &helm_pods_}) controller.watches(*informer, service_labelled(helm::kHelmChartLabel));
    // The database: the release's StatefulSets and their pods, labelled with the service's name.
    for (auto* informer : {&statefulsets_, &release_pods_})
        controller.watches(*informer, service_labelled(helm::kInstanceLabel));
    // Binding changes: every service of the app's namespace looks again.
    controller.watches(apps_, [this](const json::object& app) {
        std::vector<kube::Request> out;
        const std::string ns(kube::object_namespace(app));
        for (const auto& s : services_.store().list_namespace(ns)) out.push_back({ns, std::string(kube::object_name(*s))});
        return out;
    });
}

std::vector<std::string> ServiceReconciler::bound_apps(const json::object& service) const {
    std::vector<std::string> out;
    const auto name = kube::object_name(service);
    for (const auto& app : apps_.store().list_namespace(kube::object_namespace(service))) {
        if (kube::is_being_deleted(*app)) continue;
        auto bound = helm::bound_services(*app);
        if (std::find(bound.begin(), bound.end(), name) != bound.end()) out.emplace_back(kube::object_name(*app));
    }
    std::sort(out.begin(), out.end());
    return out;
}

kube::Task<void> ServiceReconciler::write_status(const json::object& service, json::object status) {
    co_await patch_status(client_, crds::services, service, std::move(status));
}

kube::Task<void> ServiceReconciler::patch_finalizers(const json::object& service, bool keep) {
    json::object copy = service;
    if (keep) kube::add_finalizer(copy, kServiceFinalizer);
    else kube::remove_finalizer(copy, kServiceFinalizer);
    co_await client_.merge_patch(crds::services, kube::object_namespace(service), kube::object_name(service),
                                 wrap("metadata", wrap("finalizers", finalizers_of(copy))), kNoSubresource, kWriteOptions);
}

kube::Task<kube::Result> ServiceReconciler::reconcile(const kube::Request& request) {
    auto service = services_.store().get(request.namespace_, request.name);
    if (!service) co_return kube::Result::done();
    const auto bound = bound_apps(*service);
    const auto secret_name = connection_secret_name(request.name);
    if (kube::is_being_deleted(*service)) co_return co_await finalize(*service, bound);
    if (!kube::has_finalizer(*service, kServiceFinalizer)) co_await patch_finalizers(*service, true);

    json::object chart;
    std::string invalid;
    try {
        chart = service_helm_chart(*service, config_);
    } catch (const std::invalid_argument& e) {
        invalid = e.what();
    }
    if (!invalid.empty()) {
        co_await write_status(*service, status_object("Failed", invalid, "", bound));
        co_return kube::Result::done();
    }

    const auto credentials = co_await ensure_credentials(*service);
    const auto connection = connection_secret(*service, credentials);
    // Named arguments: g++ 12 mishandles default and temporary class arguments of coroutines.
    const auto options = kWriteOptions;
    const std::function<void(json::object&)> write_connection = [&](json::object& s) { copy_fields(s, connection); };
    co_await kube::create_or_update(client_, kube::resources::secrets, request.namespace_, secret_name, write_connection,
                                    nullptr, options);
    // helm-controller runs the install as Job helm-install-<name>.
    auto install = helm_jobs_.store().get(request.namespace_, helm::install_job_name(request.name));
    const std::string current_job_uid(install ? kube::object_uid(*install) : std::string_view());
    std::string replaced_job_uid, conflict;
    try {
        replaced_job_uid = co_await write_chart(*service, chart, current_job_uid);
    } catch (const helm::ChartOwnedElsewhere& e) {
        conflict = e.what();
    }
    if (!conflict.empty()) {
        co_await write_status(*service, status_object("Failed", conflict, secret_name, bound));
        co_return kube::Result::after(30s);
    }
    co_await report_rollout(*service, bound, install.get(), replaced_job_uid);
    co_return kube::Result::done();
}

// Deletion waits until no app binds the service, then the finalizer goes.
kube::Task<kube::Result> ServiceReconciler::finalize(const json::object& service, const std::vector<std::string>& bound) {
    if (!kube::has_finalizer(service, kServiceFinalizer)) co_return kube::Result::done();
    if (!bound.empty()) {
        co_await write_status(service, status_object("Deleting",
            "deletion waits: still bound to " + join(bound) + "; remove it from their spec.services first",
            connection_secret_name(kube::object_name(service)), bound));
        co_return kube::Result::done();
    }
    co_await patch_finalizers(service, false);
    co_return kube::Result::done();
}

// Credentials: generated once; the Secret is the only place they live.
kube::Task<Credentials> ServiceReconciler::ensure_credentials(const json::object& service) {
    const std::string ns(kube::object_namespace(service));
    const std::string name(kube::object_name(service));
    std::optional<json::object> existing;
    try {
        existing = co_await client_.get(kube::resources::secrets, ns, credentials_secret_name(name), kGetOptions);
    } catch (const kube::ApiError& e) {
        if (!kube::is_not_found(e)) throw;
    }
    if (existing) co_return read_credentials(*existing);
    auto credentials = default_credentials(get_string(service, "spec.type"), name, generate_password());
    co_await client_.create(kube::resources::secrets, credentials_secret(service, credentials), kWriteOptions);
    sb::log::info("service credentials generated", {{"key", json::value(std::string_view(kube::object_key(service)))}});
    co_return credentials;
}

// Writes the service's HelmChart; returns the install Job it made obsolete
// (uid or "none"). Throws ChartOwnedElsewhere for a chart that is not ours.
kube::Task<std::string> ServiceReconciler::write_chart(const json::object& service, const json::object& chart,
                                                       const std::string& current_job_uid) {
    const std::string service_uid(kube::object_uid(service));
    std::string replaced_job_uid;
    const std::function<void(json::object&)> write = [&](json::object& c) {
        helm::check_chart_owner(c, "Service", service_uid);
        copy_chart(c, chart, current_job_uid);
        replaced_job_uid = std::string(annotation_value(c, helm::kReplacedJobAnnotation));
    };
    const auto options = kWriteOptions;
    co_await kube::create_or_update(client_, crds::helmcharts, kube::object_namespace(service), kube::object_name(service),
                                    write, nullptr, options);
    co_return replaced_job_uid;
}

// The install Job, then the release's StatefulSets and their pods, as the service's phase.
kube::Task<void> ServiceReconciler::report_rollout(const json::object& service, const std::vector<std::string>& bound,
                                                   const json::object* install, const std::string& replaced_job_uid) {
    const std::string ns(kube::object_namespace(service));
    const std::string name(kube::object_name(service));
    const auto secret_name = connection_secret_name(name);
    std::vector<json::object> pods;
    if (install)
        for (const auto& p : helm_pods_.store().list_namespace(ns))
            if (is_owned_by(*p, kube::object_uid(*install))) pods.push_back(*p);
    const auto statefulsets = release_objects(statefulsets_, ns, name);
    const auto release_pods = release_objects(release_pods_, ns, name);
    const helm::DeployTarget target{.chart = name, .replaced_job_uid = replaced_job_uid, .image = ""};
    auto obs = helm::observe_database(target, install, pods, statefulsets, release_pods);
    co_await attempt_logs_.add_to(ns, name, obs);
    std::string phase = "Deploying", message = obs.message;
    if (obs.state == helm::DeployState::running) {
        phase = "Ready";
        message = obs.message + "; connection details in Secret " + secret_name;
    } else if (obs.state == helm::DeployState::failed) {
        phase = "Failed";
        // A failed install keeps the message it was first reported with (the pods may be gone since).
        if (obs.reason == helm::deploy_reasons::install_failed && get_string(service, "status.phase") == "Failed" &&
            get_string(service, "status.message").starts_with("helm install failed"))
            message = get_string(service, "status.message");
    }
    co_await write_status(service, status_object(phase, message, secret_name, bound));
}

void add_service_controller(kube::Manager& manager, ServiceConfig config, int workers) {
    auto reconciler = std::make_shared<ServiceReconciler>(manager, std::move(config));
    auto& controller = manager.add_controller({.name = "service", .workers = workers},
                                              [reconciler](const kube::Request& r) { return reconciler->reconcile(r); });
    reconciler->watch_from(controller);
}

void add_service_controller(kube::Manager& manager, const OperatorConfig& config) {
    add_service_controller(manager, ServiceConfig{}, config.concurrency);
}

}  // namespace sb::op::service
