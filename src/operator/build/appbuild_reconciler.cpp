#include "operator/build/appbuild_reconciler.hpp"

#include <boost/json/array.hpp>
#include <boost/json/serialize.hpp>
#include <algorithm>

#include "operator/build/appbuild_status.hpp"
#include "operator/build/build_status.hpp"
#include "operator/crd_types.hpp"
#include "operator/deploy/deploy_request.hpp"
#include "kube/errors.hpp"
#include "common/log.hpp"
#include "kube/object_helpers.hpp"

namespace sb::op::build {

namespace json = boost::json;
using namespace std::chrono_literals;

namespace {

constexpr std::string_view kBuildSelector = "app.kubernetes.io/component=build,app.kubernetes.io/managed-by=shapeblock";

json::object annotation_patch(std::string_view key, const std::string& value) {
    return wrap("metadata", wrap("annotations", wrap(key, text(value))));
}

void log_build(std::string_view message, const json::object& build, std::string_view field = {}, const std::string& value = {}) {
    if (field.empty()) sb::log::info(message, {{"key", text(kube::object_key(build))}});
    else sb::log::info(message, {{"key", text(kube::object_key(build))}, {field, text(value)}});
}

// "namespace/<label value>" (objects without the label are not indexed).
kube::IndexFunc namespaced_label_index(std::string_view label) {
    return [key = std::string(label)](const json::object& obj) -> std::vector<std::string> {
        auto value = label_value(obj, key);
        if (value.empty()) return {};
        return {std::string(kube::object_namespace(obj)) + "/" + std::string(value)};
    };
}

bool is_terminal(std::string_view phase) { return phase == "Completed" || phase == "Failed"; }

std::string phase_of(const json::object& build) { return get_string(build, "status.phase"); }

// Timestamps have one-second resolution: only a build created in a later
// second is known to be newer; builds of the same second are queued, never superseded.
bool created_strictly_before(const json::object& a, const json::object& b) {
    return get_string(a, "metadata.creationTimestamp") < get_string(b, "metadata.creationTimestamp");
}

std::string annotation(const json::object& obj, std::string_view key) {
    const auto* annotations = find_object(obj, "metadata.annotations");
    if (!annotations) return {};
    if (auto* v = annotations->if_contains(key); v && v->is_string()) return std::string(v->get_string());
    return {};
}

// The build's owner references plus the App as controller (list items may
// lack apiVersion/kind, so the reference is spelled out).
json::array app_owner_references(const json::object& build, const json::object& app) {
    json::array refs;
    if (const auto* meta = find_object(build, "metadata"))
        if (auto* existing = meta->if_contains("ownerReferences"); existing && existing->is_array()) refs = existing->get_array();
    refs.push_back(json::object{{"apiVersion", kApiVersion},
                                {"kind", "App"},
                                {"name", kube::object_name(app)},
                                {"uid", kube::object_uid(app)},
                                {"controller", true},
                                {"blockOwnerDeletion", true}});
    return refs;
}

kube::DeleteOptions background_delete() {
    kube::DeleteOptions o;
    o.propagation = kube::PropagationPolicy::background;
    return o;
}

void apply_observation(json::object& status, const BuildObservation& obs) {
    status["phase"] = to_string(obs.phase);
    status["message"] = obs.message;
    if (!obs.reason.empty()) status["reason"] = obs.reason;
    else status.erase("reason");
    for (auto [key, value] : {std::pair{"podName", &obs.pod_name}, std::pair{"startTime", &obs.start_time},
                              std::pair{"completionTime", &obs.completion_time}, std::pair{"commit", &obs.commit},
                              std::pair{"buildType", &obs.build_type}, std::pair{"image", &obs.image},
                              std::pair{"digest", &obs.digest}}) {
        if (!value->empty()) status[key] = *value;
    }
}

}  // namespace

AppBuildController::AppBuildController(kube::Manager& mgr, AppBuildSettings settings)
    : client_(mgr.client()),
      settings_(std::move(settings)),
      builds_(mgr.informer(crds::appbuilds)),
      apps_(mgr.informer(crds::apps)),
      jobs_(mgr.informer(kube::resources::jobs, {.label_selector = std::string(kBuildSelector)})),
      pods_(mgr.informer(kube::resources::pods, {.label_selector = std::string(kBuildSelector)})),
      services_(mgr.informer(crds::services)),
      helm_jobs_(mgr.informer(kube::resources::jobs, {.label_selector = std::string(deploy::kHelmChartLabel)})),
      helm_pods_(mgr.informer(kube::resources::pods, {.label_selector = std::string(deploy::kHelmChartLabel)})),
      deployments_(mgr.informer(kube::resources::deployments, {.label_selector = std::string(deploy::kInstanceLabel)})),
      attempt_logs_(mgr.client()) {
    builds_.add_index(std::string(kBuildsByAppIndex), [](const json::object& b) {
        return std::vector<std::string>{std::string(kube::object_namespace(b)) + "/" + get_string(b, "spec.appName")};
    });
    pods_.add_index(std::string(kBuildLabel), kube::label_index(std::string(kBuildLabel)));
    helm_pods_.add_index(std::string(kReleaseIndex), namespaced_label_index(deploy::kHelmChartLabel));
    deployments_.add_index(std::string(kReleaseIndex), namespaced_label_index(deploy::kInstanceLabel));

    auto& controller = mgr.add_controller({.name = "appbuild", .workers = settings_.workers},
                                          [this](const kube::Request& r) { return reconcile(r); });
    controller.for_resource(builds_).owns(jobs_, std::string(kGroup), "AppBuild");
    // Pods: by their build label.
    controller.watches(pods_, [](const json::object& pod) -> std::vector<kube::Request> {
        auto build = std::string(label_value(pod, kBuildLabel));
        if (build.empty()) return {};
        return {kube::Request{std::string(kube::object_namespace(pod)), build}};
    });
    // A build that ends (or goes) lets the next queued build of its app start.
    controller.watches(builds_, [this](const json::object& b) { return queued_siblings(b); });
    // App or bound Service changes: redeploy the current build (and wake queued ones).
    controller.watches(apps_, [this](const json::object& app) {
        std::vector<kube::Request> out;
        const std::string ns(kube::object_namespace(app));
        for (const auto& b : builds_of(ns, kube::object_name(app))) {
            auto phase = phase_of(*b);
            if (!is_terminal(phase) || get_string(app, "status.latestBuild") == kube::object_name(*b))
                out.push_back({ns, std::string(kube::object_name(*b))});
        }
        return out;
    });
    // The deploy: helm-controller's install Job and its pods, the release's
    // Deployments; HelmCharts are named after the app.
    for (auto* informer : {&helm_jobs_, &helm_pods_}) {
        controller.watches(*informer, [this](const json::object& obj) {
            return latest_build_of_app(kube::object_namespace(obj), label_value(obj, deploy::kHelmChartLabel));
        });
    }
    controller.watches(deployments_, [this](const json::object& d) {
        return latest_build_of_app(kube::object_namespace(d), label_value(d, deploy::kInstanceLabel));
    });
    controller.watches(services_, [this](const json::object& service) {
        std::vector<kube::Request> out;
        const std::string ns(kube::object_namespace(service));
        for (const auto& app : apps_.store().list_namespace(ns)) {
            auto bound = deploy::bound_services(*app);
            if (std::find(bound.begin(), bound.end(), kube::object_name(service)) == bound.end()) continue;
            auto latest = get_string(*app, "status.latestBuild");
            if (!latest.empty()) out.push_back({ns, latest});
        }
        return out;
    });
}

std::vector<kube::Request> AppBuildController::latest_build_of_app(std::string_view ns, std::string_view app_name) const {
    if (app_name.empty()) return {};
    auto app = apps_.store().get(std::string(ns), std::string(app_name));
    if (!app) return {};
    auto latest = get_string(*app, "status.latestBuild");
    if (latest.empty()) return {};
    return {kube::Request{std::string(ns), latest}};
}

std::vector<kube::Object> AppBuildController::builds_of(std::string_view ns, std::string_view app) const {
    auto builds = builds_.store().by_index(std::string(kBuildsByAppIndex), std::string(ns) + "/" + std::string(app));
    std::sort(builds.begin(), builds.end(), [](const kube::Object& a, const kube::Object& b) { return created_before(*a, *b); });
    return builds;
}

std::vector<kube::Request> AppBuildController::queued_siblings(const json::object& build) const {
    std::vector<kube::Request> out;
    const std::string ns(kube::object_namespace(build));
    for (const auto& b : builds_of(ns, get_string(build, "spec.appName")))
        if (kube::object_name(*b) != kube::object_name(build) && !is_terminal(phase_of(*b)))
            out.push_back({ns, std::string(kube::object_name(*b))});
    return out;
}

std::string AppBuildController::registry_secret_for(const json::object& app) const {
    auto name = get_string(app, "spec.registry.secretName");
    return name.empty() ? settings_.registry.secret_name : name;
}

kube::Task<void> AppBuildController::patch_status(const json::object& build, json::object status) {
    status["observedGeneration"] = object_generation(build);
    if (status == current_status(build)) co_return;
    co_await client_.merge_patch(crds::appbuilds, kube::object_namespace(build), kube::object_name(build),
                                 wrap("status", std::move(status)), kStatusSubresource, kWriteOptions);
}

kube::Task<void> AppBuildController::fail(const json::object& build, std::string_view reason, const std::string& message) {
    auto status = current_status(build);
    status["phase"] = "Failed";
    status["reason"] = reason;
    status["message"] = message;
    if (!status.contains("completionTime") || get_string(status, "completionTime").empty())
        status["completionTime"] = now_rfc3339();
    set_cond(status, object_generation(build), "Built", false, std::string(reason), message);
    log_build("build failed", build, "reason", std::string(reason));
    co_await patch_status(build, std::move(status));
}

kube::Task<void> AppBuildController::ensure_owned_by_app(const json::object& build, const json::object& app) {
    if (kube::is_controlled_by(build, app) || kube::controller_of(build) != nullptr) co_return;
    if (kube::object_uid(app).empty()) co_return;
    co_await client_.merge_patch(crds::appbuilds, kube::object_namespace(build), kube::object_name(build),
                                 wrap("metadata", wrap("ownerReferences", app_owner_references(build, app))), kNoSubresource, kWriteOptions);
}

kube::Task<kube::Result> AppBuildController::reconcile(const kube::Request& request) {
    auto build = builds_.store().get(request.namespace_, request.name);
    if (!build || kube::is_being_deleted(*build)) co_return kube::Result::done();
    const auto app_name = get_string(*build, "spec.appName");
    auto app = apps_.store().get(request.namespace_, app_name);
    const auto phase = phase_of(*build);
    if (!app) {
        if (is_terminal(phase)) co_return kube::Result::done();
        auto status = current_status(*build);
        status["phase"] = "Pending";
        status["message"] = "waiting for App " + app_name + " in namespace " + request.namespace_;
        co_await patch_status(*build, std::move(status));
        co_return kube::Result::after(30s);
    }
    co_await ensure_owned_by_app(*build, *app);

    if (phase == "Failed") {
        co_await prune_history(*app);
        co_return kube::Result::done();
    }
    if (phase == "Completed") {
        // Deploy once, and again whenever this is the app's current build
        // (App or bound Service changed); writes only what differs.
        const bool deployed = [&] {
            auto conditions = conditions_of(current_status(*build));
            const auto* c = find_condition(conditions, "Deployed");
            return c && get_string(*c, "status") == "True";
        }();
        auto result = kube::Result::done();
        if (!deployed || get_string(*app, "status.latestBuild") == request.name) {
            auto image = get_string(*build, "status.image");
            result = co_await deploy(*build, *app, image_with_digest(image, get_string(*build, "status.digest")));
        }
        co_await prune_history(*app);
        co_return result;
    }
    co_return co_await reconcile_active(*build, *app);
}

kube::Task<kube::Result> AppBuildController::reconcile_active(const json::object& build, const json::object& app) {
    const std::string ns(kube::object_namespace(build));
    const std::string name(kube::object_name(build));
    const auto job_name = job_name_for(name);
    auto job = jobs_.store().get(ns, job_name);
    const bool started = job || !get_string(build, "status.jobName").empty();

    BuildPlan plan;
    std::string invalid;
    try {
        plan = plan_build(app, build, settings_.build, settings_.registry);
    } catch (const std::invalid_argument& e) {
        invalid = e.what();
    }
    if (!invalid.empty()) {
        co_await fail(build, "InvalidApp", invalid);
        co_return kube::Result::done();
    }

    auto siblings = builds_of(ns, get_string(build, "spec.appName"));
    if (!started) {
        // A newer build of the same app supersedes this queued one.
        for (auto it = siblings.rbegin(); it != siblings.rend(); ++it) {
            if (created_strictly_before(build, **it)) {
                co_await fail(build, "Superseded", "superseded by the newer build " + std::string(kube::object_name(**it)));
                co_return kube::Result::done();
            }
        }
        // One build per app at a time: wait for an older one still running.
        for (const auto& b : siblings) {
            if (!created_before(*b, build) || is_terminal(phase_of(*b))) continue;
            auto status = current_status(build);
            status["phase"] = "Pending";
            status["message"] = "queued behind build " + std::string(kube::object_name(*b)) + " of the same app";
            co_await patch_status(build, std::move(status));
            co_return kube::Result::done();
        }
    }

    auto status = current_status(build);
    const auto generation = object_generation(build);

    if (plan.image_only) {
        status["phase"] = "Completed";
        status["reason"] = "Image";
        status["buildType"] = "image";
        status["image"] = plan.image;
        status["message"] = "deploying the image " + plan.image + " (no build)";
        if (get_string(status, "startTime").empty()) status["startTime"] = now_rfc3339();
        status["completionTime"] = now_rfc3339();
        set_cond(status, generation, "Built", true, "Image", "no build needed");
        co_await patch_status(build, status);
        json::object updated = build;
        updated["status"] = status;
        co_return co_await deploy(updated, app, plan.image);
    }

    if (!started && is_commit_sha(plan.request.git_ref)) {
        // Image reuse: this commit was already built with the same settings.
        for (auto it = siblings.rbegin(); it != siblings.rend(); ++it) {
            const auto& b = **it;
            if (phase_of(b) != "Completed" || get_string(b, "status.commit") != plan.request.git_ref ||
                annotation(b, kSettingsAnnotation) != plan.settings_fingerprint || get_string(b, "status.image").empty())
                continue;
            status["phase"] = "Completed";
            status["reason"] = "Reused";
            status["commit"] = plan.request.git_ref;
            status["image"] = get_string(b, "status.image");
            if (auto d = get_string(b, "status.digest"); !d.empty()) status["digest"] = d;
            status["buildType"] = get_string(b, "status.buildType");
            status["message"] = "reused the image of build " + std::string(kube::object_name(b)) + " (same commit and settings)";
            if (get_string(status, "startTime").empty()) status["startTime"] = now_rfc3339();
            status["completionTime"] = now_rfc3339();
            set_cond(status, generation, "Built", true, "Reused", get_string(status, "message"));
            co_await patch_status(build, status);
            // Record the fingerprint so this build can be reused in turn.
            co_await client_.merge_patch(crds::appbuilds, ns, name,
                annotation_patch(kSettingsAnnotation, plan.settings_fingerprint), kNoSubresource, kWriteOptions);
            json::object updated = build;
            updated["status"] = status;
            co_return co_await deploy(updated, app,
                                      image_with_digest(get_string(status, "image"), get_string(status, "digest")));
        }
    }

    if (!job && !get_string(build, "status.jobName").empty()) {
        // The Job was created before: either the cache has not seen it yet,
        // or it was deleted (by us for a stuck build, or by someone). Never
        // create it twice; ask the API server what is true now.
        const auto fresh = co_await client_.get(crds::appbuilds, ns, name, kGetOptions);
        if (is_terminal(phase_of(fresh))) co_return kube::Result::done();
        bool exists = true;
        try {
            co_await client_.get(kube::resources::jobs, ns, job_name, kGetOptions);
        } catch (const kube::ApiError& e) {
            if (!kube::is_not_found(e)) throw;
            exists = false;
        }
        if (exists) co_return kube::Result::after(1s);
        co_await fail(fresh, reasons::build_failed, "the build Job " + job_name + " was deleted before the build finished");
        co_return kube::Result::done();
    }
    if (!job) {
        if (annotation(build, kSettingsAnnotation) != plan.settings_fingerprint) {
            co_await client_.merge_patch(crds::appbuilds, ns, name,
                annotation_patch(kSettingsAnnotation, plan.settings_fingerprint), kNoSubresource, kWriteOptions);
        }
        auto desired = build_job(plan.request, settings_.build);
        try {
            co_await client_.create(kube::resources::jobs, std::move(desired), kWriteOptions);
            log_build("build job created", build, "job", job_name);
        } catch (const kube::ApiError& e) {
            if (!kube::is_already_exists(e)) throw;  // ours from before a restart: observed below
        }
        status["phase"] = "Pending";
        status["jobName"] = job_name;
        if (plan.request.type != BuildType::detect) status["buildType"] = to_string(plan.request.type);
        status["message"] = "build job created";
        set_cond(status, generation, "Built", false, "Building", "the build has not finished");
        co_await patch_status(build, std::move(status));
        co_return kube::Result::done();
    }

    if (!kube::is_controlled_by(*job, build)) {
        co_await fail(build, "JobConflict", "a Job named " + job_name + " exists and does not belong to this build");
        co_return kube::Result::done();
    }

    std::vector<json::object> pods;
    for (const auto& p : pods_.store().by_index(std::string(kBuildLabel), name))
        if (kube::object_namespace(*p) == ns) pods.push_back(*p);
    const auto obs = observe_build(job.get(), pods, std::chrono::system_clock::now(), settings_.build);

    if (obs.stop_job) {
        try {
            const auto options = background_delete();
            co_await client_.remove(kube::resources::jobs, ns, job_name, options);
        } catch (const kube::ApiError& e) {
            if (!kube::is_not_found(e)) throw;
        }
    }

    apply_observation(status, obs);
    status["jobName"] = job_name;
    if (obs.phase == BuildPhase::completed) {
        set_cond(status, generation, "Built", true, "Built", "pushed " + obs.image);
    } else if (obs.phase == BuildPhase::failed) {
        set_cond(status, generation, "Built", false, obs.reason, obs.message);
        if (get_string(status, "completionTime").empty()) status["completionTime"] = now_rfc3339();
    }
    co_await patch_status(build, status);

    if (obs.phase == BuildPhase::completed) {
        json::object updated = build;
        updated["status"] = status;
        co_return co_await deploy(updated, app, image_with_digest(obs.image, obs.digest));
    }
    if (obs.recheck_after.count() > 0) co_return kube::Result::after(obs.recheck_after);
    co_return kube::Result::done();
}

kube::Task<void> AppBuildController::prune_history(const json::object& app) {
    const std::string ns(kube::object_namespace(app));
    auto builds = builds_of(ns, kube::object_name(app));
    const auto deployed = get_string(app, "status.latestBuild");
    int kept = 0;
    for (auto it = builds.rbegin(); it != builds.rend(); ++it) {
        const auto& b = **it;
        if (++kept <= settings_.history_limit) continue;
        if (!is_terminal(phase_of(b)) || kube::object_name(b) == deployed || kube::is_being_deleted(b)) continue;
        try {
            const auto options = background_delete();
            co_await client_.remove(crds::appbuilds, ns, kube::object_name(b), options);
            log_build("old build deleted", b);
        } catch (const kube::ApiError& e) {
            if (!kube::is_not_found(e)) throw;
        }
    }
}

}  // namespace sb::op::build
