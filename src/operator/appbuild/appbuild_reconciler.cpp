#include "operator/appbuild/appbuild_reconciler.hpp"

#include <boost/json/array.hpp>
#include <boost/json/serialize.hpp>
#include <algorithm>

#include "common/log.hpp"
#include "kube/errors.hpp"
#include "kube/object_helpers.hpp"
#include "operator/appbuild/build_status.hpp"
#include "operator/appbuild/job_builder.hpp"
#include "operator/common/crd_types.hpp"
#include "operator/common/operator_config.hpp"
#include "operator/common/status_edits.hpp"

namespace sb::op::appbuild {

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

bool is_terminal(std::string_view phase) { return phase == "Completed" || phase == "Failed"; }

std::string phase_of(const json::object& build) { return get_string(build, "status.phase"); }

// Timestamps have one-second resolution: only a build created in a later
// second is known to be newer; builds of the same second are queued, never superseded.
bool created_strictly_before(const json::object& a, const json::object& b) {
    return get_string(a, "metadata.creationTimestamp") < get_string(b, "metadata.creationTimestamp");
}


std::string image_with_digest(const std::string& image, const std::string& digest) {
    if (digest.empty() || image.find('@') != std::string::npos) return image;
    return image + "@" + digest;
}

// The build as it is once status is written.
json::object with_status(const json::object& build, const json::object& status) {
    json::object updated = build;
    updated["status"] = status;
    return updated;
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

// A finished build whose image can stand in for a build of the same commit
// with these settings.
bool can_be_reused(const json::object& b, const BuildPlan& plan) {
    return phase_of(b) == "Completed" && !get_string(b, "status.commit").empty() &&
           annotation_value(b, kSettingsAnnotation) == plan.settings_fingerprint &&
           !get_string(b, "status.image").empty() && !get_string(b, "status.digest").empty();
}

// The newest finished build of siblings that built this commit with the same settings.
const json::object* reusable_build(const std::vector<kube::Object>& siblings, const BuildPlan& plan,
                                   std::string_view commit) {
    for (auto it = siblings.rbegin(); it != siblings.rend(); ++it) {
        const auto& b = **it;
        if (can_be_reused(b, plan) && get_string(b, "status.commit") == commit) return &b;
    }
    return nullptr;
}

// The commits the clone step may find already built (newest first, once each).
std::vector<std::string> reusable_commits(const std::vector<kube::Object>& siblings, const BuildPlan& plan) {
    std::vector<std::string> commits;
    for (auto it = siblings.rbegin(); it != siblings.rend(); ++it) {
        if (!can_be_reused(**it, plan)) continue;
        auto commit = get_string(**it, "status.commit");
        if (std::find(commits.begin(), commits.end(), commit) == commits.end()) commits.push_back(std::move(commit));
    }
    return commits;
}

ImageDestination destination_of(const BuildPlan& plan) {
    return {plan.request.image_repository, plan.request.image_tag};
}

// Status of a build that is complete without a Job of its own.
void complete(json::object& status, std::int64_t generation, std::string_view reason, const std::string& message,
              const std::string& built_message) {
    status["phase"] = "Completed";
    status["reason"] = reason;
    status["message"] = message;
    if (get_string(status, "startTime").empty()) status["startTime"] = now_rfc3339();
    status["completionTime"] = now_rfc3339();
    set_cond(status, generation, "Built", true, std::string(reason), built_message);
}

}  // namespace

AppBuildSettings appbuild_settings_from(const OperatorConfig& config) {
    AppBuildSettings settings;
    settings.build = build_config_from(config);
    settings.deploy = helm::deploy_config_from(config);
    settings.registry = RegistryDefaults{config.default_registry, config.registry_secret_name};
    settings.workers = config.concurrency;
    settings.history_limit = config.build_history_limit;
    settings.max_concurrent_builds = config.max_concurrent_builds;
    return settings;
}

AppBuildReconciler::AppBuildReconciler(kube::Manager& mgr, AppBuildSettings settings)
    : client_(mgr.client()),
      settings_(std::move(settings)),
      builds_(mgr.informer(crds::appbuilds)),
      apps_(mgr.informer(crds::apps)),
      jobs_(mgr.informer(kube::resources::jobs, {.label_selector = std::string(kBuildSelector)})),
      pods_(mgr.informer(kube::resources::pods, {.label_selector = std::string(kBuildSelector)})),
      rollout_(mgr, settings_.deploy, settings_.registry.secret_name) {
    builds_.add_index(std::string(kBuildsByAppIndex), [](const json::object& b) {
        return std::vector<std::string>{std::string(kube::object_namespace(b)) + "/" + get_string(b, "spec.appName")};
    });
    pods_.add_index(std::string(kBuildLabel), kube::label_index(std::string(kBuildLabel)));
}

void AppBuildReconciler::watch_from(kube::Controller& controller) {
    controller.for_resource(builds_).owns(jobs_, std::string(kGroup), "AppBuild");
    // Pods: by their build label.
    controller.watches(pods_, [](const json::object& pod) -> std::vector<kube::Request> {
        auto build = std::string(label_value(pod, kBuildLabel));
        if (build.empty()) return {};
        return {kube::Request{std::string(kube::object_namespace(pod)), build}};
    });
    // A build that ends (or goes) lets the next queued build of its app start.
    controller.watches(builds_, [this](const json::object& b) { return queued_siblings(b); });
    // App changes: redeploy the current build (and wake queued ones).
    controller.watches(apps_, [this](const json::object& app) { return builds_to_redeploy(app); });
    // The rollout and bound Services: the app's current build.
    rollout_.watch_from(controller);
}

std::vector<kube::Request> AppBuildReconciler::builds_to_redeploy(const json::object& app) const {
    std::vector<kube::Request> out;
    const std::string ns(kube::object_namespace(app));
    for (const auto& b : builds_of(ns, kube::object_name(app))) {
        auto phase = phase_of(*b);
        if (!is_terminal(phase) || get_string(app, "status.latestBuild") == kube::object_name(*b))
            out.push_back({ns, std::string(kube::object_name(*b))});
    }
    return out;
}

std::vector<kube::Object> AppBuildReconciler::builds_of(std::string_view ns, std::string_view app) const {
    auto builds = builds_.store().by_index(std::string(kBuildsByAppIndex), std::string(ns) + "/" + std::string(app));
    std::sort(builds.begin(), builds.end(), [](const kube::Object& a, const kube::Object& b) { return created_before(*a, *b); });
    return builds;
}

std::vector<kube::Request> AppBuildReconciler::queued_siblings(const json::object& build) const {
    std::vector<kube::Request> out;
    const std::string ns(kube::object_namespace(build));
    for (const auto& b : builds_of(ns, get_string(build, "spec.appName")))
        if (kube::object_name(*b) != kube::object_name(build) && !is_terminal(phase_of(*b)))
            out.push_back({ns, std::string(kube::object_name(*b))});
    return out;
}

kube::Task<void> AppBuildReconciler::patch_status(const json::object& build, json::object status) {
    co_await op::patch_status(client_, crds::appbuilds, build, std::move(status));
}

kube::Task<void> AppBuildReconciler::fail(const json::object& build, std::string_view reason, const std::string& message) {
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

kube::Task<void> AppBuildReconciler::ensure_owned_by_app(const json::object& build, const json::object& app) {
    if (kube::is_controlled_by(build, app) || kube::controller_of(build) != nullptr) co_return;
    if (kube::object_uid(app).empty()) co_return;
    co_await client_.merge_patch(crds::appbuilds, kube::object_namespace(build), kube::object_name(build),
                                 wrap("metadata", wrap("ownerReferences", app_owner_references(build, app))), kNoSubresource, kWriteOptions);
}

// Records the settings fingerprint, so this build can be reused in turn.
kube::Task<void> AppBuildReconciler::record_settings(const json::object& build, const BuildPlan& plan) {
    co_await client_.merge_patch(crds::appbuilds, kube::object_namespace(build), kube::object_name(build),
                                 annotation_patch(kSettingsAnnotation, plan.settings_fingerprint), kNoSubresource,
                                 kWriteOptions);
}

kube::Task<kube::Result> AppBuildReconciler::deploy(const json::object& build, const json::object& app,
                                                    const std::string& image) {
    // An image without a repository (empty, or only "@sha256:...") would
    // become a HelmChart with defaultImage "" and tag latest.
    if (helm::split_image(image).first.empty()) {
        co_await fail(build, "DeployFailed",
                      "the build has no image reference to deploy (got '" + image + "'); nothing was deployed");
        co_return kube::Result::done();
    }
    co_return co_await rollout_.deploy(build, app, image);
}

kube::Task<kube::Result> AppBuildReconciler::reconcile(const kube::Request& request) {
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
    if (is_terminal(phase)) co_return co_await reconcile_finished(*build, *app);
    co_return co_await reconcile_active(*build, *app);
}

kube::Task<kube::Result> AppBuildReconciler::reconcile_finished(const json::object& build, const json::object& app) {
    auto result = kube::Result::done();
    if (phase_of(build) == "Completed") {
        // Deploy once, and again whenever this is the app's current build
        // (App or bound Service changed); writes only what differs.
        const bool deployed = condition_in(build, "Deployed").status == "True";
        if (!deployed || get_string(app, "status.latestBuild") == kube::object_name(build)) {
            auto image = get_string(build, "status.image");
            result = co_await deploy(build, app, image_with_digest(image, get_string(build, "status.digest")));
        }
    }
    co_await prune_history(app);
    co_return result;
}

// The steps of a build that has not finished, in order: a valid plan, its
// turn among the app's builds, then no build (an image), a reused image, or
// the build Job, created once and followed to its end.
kube::Task<kube::Result> AppBuildReconciler::reconcile_active(const json::object& build, const json::object& app) {
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

    const std::string ns(kube::object_namespace(build));
    const auto job_name = job_name_for(kube::object_name(build));
    auto job = jobs_.store().get(ns, job_name);
    const bool started = job || !get_string(build, "status.jobName").empty();
    const auto siblings = builds_of(ns, get_string(build, "spec.appName"));
    if (!started && co_await superseded_or_queued(build, siblings)) co_return kube::Result::done();

    if (plan.image_only) co_return co_await complete_without_build(build, app, plan);
    // A full SHA is decided now; a branch or tag once the clone step has
    // resolved it (it is given the commits built before and reports a match).
    // An upload is known by its digest at once, like a full SHA.
    const auto& known_commit = plan.request.source_digest.empty() ? plan.request.git_ref : plan.request.source_digest;
    if (!started && (is_commit_sha(known_commit) || !plan.request.source_digest.empty()))
        if (const auto* earlier = reusable_build(siblings, plan, known_commit))
            co_return co_await reuse_image(build, app, plan, *earlier, known_commit);
    if (!job && started) co_return co_await check_job_still_exists(build);
    if (!job) {
        plan.request.reusable_commits = reusable_commits(siblings, plan);
        co_return co_await start_job(build, plan);
    }
    if (!kube::is_controlled_by(*job, build)) {
        co_await fail(build, "JobConflict", "a Job named " + job_name + " exists and does not belong to this build");
        co_return kube::Result::done();
    }
    co_return co_await follow_job(build, app, *job, plan, siblings);
}

kube::Task<bool> AppBuildReconciler::superseded_or_queued(const json::object& build, const std::vector<kube::Object>& siblings) {
    // A newer build of the same app supersedes this queued one.
    for (auto it = siblings.rbegin(); it != siblings.rend(); ++it) {
        if (created_strictly_before(build, **it)) {
            co_await fail(build, "Superseded", "superseded by the newer build " + std::string(kube::object_name(**it)));
            co_return true;
        }
    }
    // One build per app at a time: wait for an older one still running.
    for (const auto& b : siblings) {
        if (!created_before(*b, build) || is_terminal(phase_of(*b))) continue;
        auto status = current_status(build);
        status["phase"] = "Pending";
        status["message"] = "queued behind build " + std::string(kube::object_name(*b)) + " of the same app";
        co_await patch_status(build, std::move(status));
        co_return true;
    }
    co_return false;
}

kube::Task<kube::Result> AppBuildReconciler::complete_without_build(const json::object& build, const json::object& app,
                                                                    const BuildPlan& plan) {
    auto status = current_status(build);
    status["buildType"] = "image";
    status["image"] = plan.image;
    complete(status, object_generation(build), "Image", "deploying the image " + plan.image + " (no build)",
             "no build needed");
    co_await patch_status(build, status);
    co_return co_await deploy(with_status(build, status), app, plan.image);
}

// Image reuse: this commit was already built with the same settings.
kube::Task<kube::Result> AppBuildReconciler::reuse_image(const json::object& build, const json::object& app,
                                                         const BuildPlan& plan, const json::object& earlier,
                                                         const std::string& commit) {
    auto status = current_status(build);
    status["commit"] = commit;
    status["image"] = get_string(earlier, "status.image");
    if (auto d = get_string(earlier, "status.digest"); !d.empty()) status["digest"] = d;
    status["buildType"] = get_string(earlier, "status.buildType");
    const bool upload = !plan.request.source_digest.empty();
    std::string message = "reused the image of build " + std::string(kube::object_name(earlier)) +
                          (upload ? " (upload " + commit.substr(0, 19) : " (commit " + commit.substr(0, 12));
    if (!upload && plan.request.git_ref != commit) message += ", resolved from " + plan.request.git_ref;
    message += ", same settings); nothing was built";
    complete(status, object_generation(build), "Reused", message, message);
    co_await patch_status(build, status);
    co_await record_settings(build, plan);
    co_return co_await deploy(with_status(build, status), app,
                              image_with_digest(get_string(status, "image"), get_string(status, "digest")));
}

// The Job was created before: either the cache has not seen it yet, or it
// was deleted (by us for a stuck build, or by someone). Never create it
// twice; ask the API server what is true now.
kube::Task<kube::Result> AppBuildReconciler::check_job_still_exists(const json::object& build) {
    const std::string ns(kube::object_namespace(build));
    const auto job_name = job_name_for(kube::object_name(build));
    const auto fresh = co_await client_.get(crds::appbuilds, ns, kube::object_name(build), kGetOptions);
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

// Build Jobs running in the cluster: those the cache shows unfinished, and
// those this process created that the cache has not seen yet.
std::size_t AppBuildReconciler::running_builds() {
    std::size_t running = 0;
    for (const auto& job : jobs_.store().list()) {
        starting_jobs_.erase(std::string(kube::object_namespace(*job)) + "/" + std::string(kube::object_name(*job)));
        if (!get_int(*job, "status.succeeded").value_or(0) && !get_int(*job, "status.failed").value_or(0) &&
            get_string(*job, "status.completionTime").empty())
            ++running;
    }
    return running + starting_jobs_.size();
}

kube::Task<kube::Result> AppBuildReconciler::start_job(const json::object& build, const BuildPlan& plan) {
    const auto job_name = job_name_for(kube::object_name(build));
    if (settings_.max_concurrent_builds > 0) {
        const auto running = running_builds();
        if (running >= static_cast<std::size_t>(settings_.max_concurrent_builds)) {
            auto status = current_status(build);
            status["phase"] = "Pending";
            status["message"] = "queued: " + std::to_string(running) + " builds are running in the cluster (at most " +
                                std::to_string(settings_.max_concurrent_builds) + " at once)";
            co_await patch_status(build, std::move(status));
            co_return kube::Result::after(std::chrono::seconds(5));
        }
        starting_jobs_.insert(std::string(kube::object_namespace(build)) + "/" + job_name);
    }
    if (annotation_value(build, kSettingsAnnotation) != plan.settings_fingerprint) co_await record_settings(build, plan);
    auto desired = build_job(plan.request, settings_.build);
    try {
        co_await client_.create(kube::resources::jobs, std::move(desired), kWriteOptions);
        log_build("build job created", build, "job", job_name);
    } catch (const kube::ApiError& e) {
        if (!kube::is_already_exists(e)) throw;  // ours from before a restart: observed below
    }
    auto status = current_status(build);
    status["phase"] = "Pending";
    status["jobName"] = job_name;
    if (plan.request.type != BuildType::detect) status["buildType"] = to_string(plan.request.type);
    status["message"] = "build job created";
    set_cond(status, object_generation(build), "Built", false, "Building", "the build has not finished");
    co_await patch_status(build, std::move(status));
    co_return kube::Result::done();
}

kube::Task<kube::Result> AppBuildReconciler::follow_job(const json::object& build, const json::object& app,
                                                        const json::object& job, const BuildPlan& plan,
                                                        const std::vector<kube::Object>& siblings) {
    const std::string ns(kube::object_namespace(build));
    const std::string name(kube::object_name(build));
    const auto job_name = job_name_for(name);
    std::vector<json::object> pods;
    for (const auto& p : pods_.store().by_index(std::string(kBuildLabel), name))
        if (kube::object_namespace(*p) == ns) pods.push_back(*p);
    const auto obs = observe_build(&job, pods, std::chrono::system_clock::now(), settings_.build, destination_of(plan));
    if (obs.phase == BuildPhase::completed && obs.reused) {
        if (const auto* earlier = reusable_build(siblings, plan, obs.commit))
            co_return co_await reuse_image(build, app, plan, *earlier, obs.commit);
        co_await fail(build, reasons::build_failed,
                      "the clone step found commit " + obs.commit + " built before, but no completed build of it "
                      "with the App's current build settings remains (deleted, or the settings changed since the "
                      "build started); start a new build");
        co_return kube::Result::done();
    }

    if (obs.stop_job) {
        try {
            const auto options = background_delete();
            co_await client_.remove(kube::resources::jobs, ns, job_name, options);
        } catch (const kube::ApiError& e) {
            if (!kube::is_not_found(e)) throw;
        }
    }

    auto status = current_status(build);
    const auto generation = object_generation(build);
    apply_observation(status, obs);
    status["jobName"] = job_name;
    if (obs.phase == BuildPhase::completed) {
        set_cond(status, generation, "Built", true, "Built", "pushed " + obs.image);
    } else if (obs.phase == BuildPhase::failed) {
        set_cond(status, generation, "Built", false, obs.reason, obs.message);
        if (get_string(status, "completionTime").empty()) status["completionTime"] = now_rfc3339();
    }
    co_await patch_status(build, status);

    if (obs.phase == BuildPhase::completed)
        co_return co_await deploy(with_status(build, status), app, image_with_digest(obs.image, obs.digest));
    if (obs.recheck_after.count() > 0) co_return kube::Result::after(obs.recheck_after);
    co_return kube::Result::done();
}

kube::Task<void> AppBuildReconciler::prune_history(const json::object& app) {
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

void add_appbuild_controller(kube::Manager& manager, AppBuildSettings settings) {
    const int workers = settings.workers;
    auto reconciler = std::make_shared<AppBuildReconciler>(manager, std::move(settings));
    auto& controller = manager.add_controller({.name = "appbuild", .workers = workers},
                                              [reconciler](const kube::Request& r) { return reconciler->reconcile(r); });
    reconciler->watch_from(controller);
}

void add_appbuild_controller(kube::Manager& manager, const OperatorConfig& config) {
    add_appbuild_controller(manager, appbuild_settings_from(config));
}

}  // namespace sb::op::appbuild
