#include "operator/project/project_reconciler.hpp"

#include <boost/json/array.hpp>
#include <boost/json/serialize.hpp>

#include "common/log.hpp"
#include "operator/common/crd_types.hpp"
#include "kube/errors.hpp"
#include "kube/manager.hpp"
#include "operator/project/project_objects.hpp"

namespace sb::op {

namespace json = boost::json;
using namespace std::chrono_literals;

struct ProjectReconciler::State {
    std::string key;
    std::string now = now_rfc3339();
    std::int64_t generation = 0;
    std::string phase = "Active";
    std::string ns;               // the namespace acted on
    std::string status_namespace; // set once the namespace is known to be ours
    std::vector<std::string> problems;
    json::array conditions;
    std::chrono::milliseconds requeue_after{0};

    void condition(std::string type, bool ok, std::string reason, std::string message = {}) {
        set_condition(conditions, {std::move(type), ok ? "True" : "False", std::move(reason), std::move(message)},
                      generation, now);
    }
    void requeue_in(std::chrono::milliseconds d) {
        if (requeue_after.count() == 0 || d < requeue_after) requeue_after = d;
    }
    void log(log::Level level, std::string_view message, std::string_view what = {}) const {
        log::write(level, message, {{"controller", "project"}, {"key", json::value(key)}, {"detail", json::value(what)}});
    }
};

namespace {

const json::array* status_conditions(const json::object& obj) {
    const auto* status = find_object(obj, "status");
    if (!status) return nullptr;
    auto it = status->find("conditions");
    return it != status->end() && it->value().is_array() ? &it->value().get_array() : nullptr;
}

std::string join(const std::vector<std::string>& parts) {
    std::string out;
    for (const auto& p : parts) out += (out.empty() ? "" : "; ") + p;
    return out;
}

kube::WriteOptions write_options() { return {.field_manager = std::string(kFieldManager)}; }

}  // namespace

ProjectReconciler::ProjectReconciler(kube::Client client, const OperatorConfig& config, ProjectCaches caches)
    : client_(std::move(client)), config_(config), caches_(caches) {}

std::vector<kube::Request> ProjectReconciler::project_of_labelled(const json::object& obj) const {
    auto project = label_value(obj, kProjectLabel);
    if (project.empty()) return {};
    return {kube::Request{"", std::string(project)}};
}

std::vector<kube::Request> ProjectReconciler::all_projects(const json::object&) const {
    std::vector<kube::Request> out;
    for (const auto& key : caches_.projects.store().keys()) out.push_back(kube::Request::from_key(key));
    return out;
}

kube::Task<kube::Result> ProjectReconciler::reconcile(const kube::Request& request) {
    auto cached = caches_.projects.store().get(request.key());
    if (!cached) co_return kube::Result::done();
    json::object project = *cached;
    State state;
    state.key = request.key();
    state.generation = object_generation(project);
    if (const auto* existing = status_conditions(project)) state.conditions = *existing;

    try {
        if (is_being_deleted(project)) {
            if (!has_finalizer(project, kProjectFinalizer)) co_return kube::Result::done();
            co_return co_await finalize(std::move(project), state);
        }
        project = co_await ensure_finalizer(std::move(project));
        if (co_await ensure_namespace(project, state)) {
            co_await ensure_registry_secret(project, state);
            co_await ensure_quota(project, state);
            co_await ensure_network_policy(project, state);
        }
        state.condition("Ready", state.phase == "Active" && state.problems.empty(),
                        state.phase == "Active" ? (state.problems.empty() ? "Ready" : "Degraded") : state.phase,
                        join(state.problems));
        co_await write_status(project, state);
    } catch (const kube::ApiError& e) {
        if (kube::is_conflict(e)) {
            // Our cached copy was stale; the watch brings the new one.
            state.log(log::Level::debug, "conflict, retrying", e.what());
            co_return kube::Result::after(200ms);
        }
        if (kube::is_not_found(e) && std::string_view(e.what()).find("projects") != std::string_view::npos)
            co_return kube::Result::done();
        throw;
    }
    co_return kube::Result::after(state.requeue_after);
}

kube::Task<json::object> ProjectReconciler::ensure_finalizer(json::object project) {
    if (has_finalizer(project, kProjectFinalizer)) co_return project;
    json::array finalizers;
    if (const auto* meta = find_object(project, "metadata"); meta && meta->contains("finalizers"))
        finalizers = meta->at("finalizers").as_array();
    finalizers.emplace_back(kProjectFinalizer);
    json::object patch{{"metadata", json::object{{"finalizers", std::move(finalizers)},
                                                {"resourceVersion", kube::object_resource_version(project)}}}};
    co_return co_await client_.merge_patch(crds::projects, "", kube::object_name(project), patch, {}, write_options());
}

// A little over 60 lines: the immutable name, creating or finding the
// Namespace, and its three outcomes (terminating, not ours, ours with its
// labels checked) are the cases of one decision and read best together.
kube::Task<bool> ProjectReconciler::ensure_namespace(const json::object& project, State& state) {
    auto desired = desired_namespace_name(project);
    auto recorded = get_string(project, "status.namespace");
    state.ns = recorded.empty() ? desired : recorded;
    if (!recorded.empty() && recorded != desired) {
        state.problems.push_back("spec.name cannot change after the project is created; the project keeps namespace " +
                                 recorded);
        state.condition("SpecAccepted", false, "ImmutableFieldChanged", state.problems.back());
    } else {
        remove_condition(state.conditions, "SpecAccepted");
    }

    json::object ns;
    if (auto cached = caches_.namespaces.store().get(state.ns)) {
        ns = *cached;
    } else {
        bool exists = false;
        try {
            ns = co_await client_.create(kube::resources::namespaces, build_namespace(project, state.ns), write_options());
            state.log(log::Level::info, "namespace created", state.ns);
        } catch (const kube::ApiError& e) {
            if (!kube::is_already_exists(e)) throw;
            exists = true;
        }
        if (exists) ns = co_await client_.get(kube::resources::namespaces, "", state.ns);
    }

    if (is_being_deleted(ns)) {
        state.phase = "Pending";
        state.problems.push_back("namespace " + state.ns + " is still being deleted; waiting for it to go");
        state.condition("NamespaceReady", false, "NamespaceTerminating", state.problems.back());
        state.requeue_in(2s);
        co_return false;
    }
    auto ownership = classify_namespace(ns, project);
    if (ownership != NamespaceOwnership::ours) {
        state.phase = "Failed";
        std::string who = ownership == NamespaceOwnership::other_project
                              ? "belongs to ShapeBlock project " + std::string(label_value(ns, kProjectLabel))
                              : "was not created by ShapeBlock";
        state.problems.push_back("namespace " + state.ns + " already exists and " + who +
                                 "; ShapeBlock never adopts an existing namespace: delete it, or create the project "
                                 "under another name");
        state.condition("NamespaceReady", false, "NamespaceConflict", state.problems.back());
        state.log(log::Level::warn, "namespace conflict", state.problems.back());
        state.requeue_in(60s);  // notice when the namespace goes away
        co_return false;
    }

    // Ours. The operator may not patch namespaces (least privilege: labels are
    // set at creation), so removed labels are reported, not restored.
    auto labels = project_labels(project);
    for (const auto& [k, v] : labels) {
        if (label_value(ns, k) == v.as_string()) continue;
        state.problems.push_back("namespace " + state.ns + " lost its label " + std::string(k) + "=" +
                                 std::string(v.as_string()) + "; add it back (kubectl label namespace " + state.ns +
                                 " " + std::string(k) + "=" + std::string(v.as_string()) + ")");
    }
    state.status_namespace = state.ns;
    state.condition("NamespaceReady", true, "NamespaceReady");
    co_return true;
}

kube::Task<void> ProjectReconciler::ensure_registry_secret(const json::object& project, State& state) {
    auto source = caches_.source_secret.store().get(config_.registry_secret_namespace, config_.registry_secret_name);
    if (!source) {
        state.problems.push_back("registry secret " + config_.registry_secret_namespace + "/" +
                                 config_.registry_secret_name +
                                 " not found: the project has no registry credentials until it exists");
        state.condition("RegistrySecretReady", false, "SourceSecretMissing", state.problems.back());
        co_return;
    }
    auto desired = build_secret_copy(*source, project, state.ns);
    co_await ensure_owned(kube::resources::secrets, caches_.managed_secrets, state.ns, config_.registry_secret_name,
                          &desired, state);
    state.condition("RegistrySecretReady", true, "Copied");
}

kube::Task<void> ProjectReconciler::ensure_quota(const json::object& project, State& state) {
    bool wanted = project_has_quota(project);
    std::optional<json::object> quota, limits;
    if (wanted) {
        quota = build_resource_quota(project, state.ns);
        limits = build_limit_range(project, state.ns, config_.container_defaults);
    }
    co_await ensure_owned(builtin::resourcequotas, caches_.quotas, state.ns, kQuotaName, quota ? &*quota : nullptr,
                          state);
    co_await ensure_owned(builtin::limitranges, caches_.limit_ranges, state.ns, kLimitRangeName,
                          limits ? &*limits : nullptr, state);
    state.condition("QuotaReady", true, wanted ? "QuotaApplied" : "NoQuota");
}

kube::Task<void> ProjectReconciler::ensure_network_policy(const json::object& project, State& state) {
    bool wanted = network_policy_enabled(project, config_.network_policy_default);
    std::optional<json::object> policy;
    if (wanted) policy = build_network_policy(project, state.ns, config_.ingress_namespaces);
    co_await ensure_owned(builtin::networkpolicies, caches_.network_policies, state.ns, kNetworkPolicyName,
                          policy ? &*policy : nullptr, state);
    state.condition("NetworkPolicyReady", true, wanted ? "Isolated" : "Disabled");
}

kube::Task<void> ProjectReconciler::ensure_owned(const kube::ResourceRef& resource, kube::Informer& cache,
                                                 const std::string& ns, const std::string& name,
                                                 const json::object* desired, State& state) {
    auto cached = cache.store().get(ns, name);
    auto what = resource.kind + " " + ns + "/" + name;
    if (!desired) {
        if (cached) {
            try {
                co_await client_.remove(resource, ns, name);
                state.log(log::Level::info, "deleted", what);
            } catch (const kube::ApiError& e) {
                if (!kube::is_not_found(e)) throw;
            }
        }
        co_return;
    }
    json::object existing;
    if (cached) {
        existing = *cached;
    } else {
        try {
            co_await client_.create(resource, *desired, write_options());
            state.log(log::Level::info, "created", what);
            co_return;
        } catch (const kube::ApiError& e) {
            if (!kube::is_already_exists(e)) throw;
        }
        existing = co_await client_.get(resource, ns, name);
        if (label_value(existing, kManagedByLabel) != kManagedByValue) {
            state.problems.push_back(what + " exists and is not managed by ShapeBlock; delete it so the project can "
                                            "manage it");
            state.phase = "Failed";
            co_return;
        }
    }
    if (spec_and_labels_match(existing, *desired)) co_return;
    if (resource == kube::resources::secrets && get_string(existing, "type") != get_string(*desired, "type")) {
        // A Secret's type is immutable: replace the copy.
        co_await client_.remove(resource, ns, name);
        co_await client_.create(resource, *desired, write_options());
        state.log(log::Level::info, "replaced", what);
        co_return;
    }
    json::object updated = *desired;
    updated["metadata"].as_object()["resourceVersion"] = kube::object_resource_version(existing);
    co_await client_.update(resource, std::move(updated), write_options());
    state.log(log::Level::info, "updated", what);
}

kube::Task<kube::Result> ProjectReconciler::finalize(json::object project, State& state) {
    auto recorded = get_string(project, "status.namespace");
    state.ns = recorded.empty() ? desired_namespace_name(project) : recorded;
    std::optional<json::object> ns;
    try {
        ns = co_await client_.get(kube::resources::namespaces, "", state.ns);
    } catch (const kube::ApiError& e) {
        if (!kube::is_not_found(e)) throw;
    }
    if (ns && classify_namespace(*ns, project) == NamespaceOwnership::ours) {
        if (!is_being_deleted(*ns)) {
            kube::DeleteOptions options;
            options.precondition_uid = std::string(kube::object_uid(*ns));
            try {
                co_await client_.remove(kube::resources::namespaces, "", state.ns, options);
                state.log(log::Level::info, "namespace deleted", state.ns);
            } catch (const kube::ApiError& e) {
                if (!kube::is_not_found(e) && !kube::is_conflict(e)) throw;
            }
        }
        state.phase = "Terminating";
        state.status_namespace = state.ns;
        state.problems.push_back("waiting for namespace " + state.ns + " to be deleted");
        state.condition("Ready", false, "Terminating", state.problems.back());
        co_await write_status(project, state);
        co_return kube::Result::after(1s);
    }
    // Gone (or never ours): let the Project go.
    json::array finalizers;
    if (const auto* meta = find_object(project, "metadata"); meta && meta->contains("finalizers"))
        for (const auto& f : meta->at("finalizers").as_array())
            if (!(f.is_string() && f.get_string() == kProjectFinalizer)) finalizers.push_back(f);
    json::object patch{{"metadata", json::object{{"finalizers", std::move(finalizers)},
                                                {"resourceVersion", kube::object_resource_version(project)}}}};
    co_await client_.merge_patch(crds::projects, "", kube::object_name(project), patch, {}, write_options());
    state.log(log::Level::info, "finalizer removed", state.ns);
    co_return kube::Result::done();
}

kube::Task<void> ProjectReconciler::write_status(const json::object& project, const State& state) {
    json::object status;
    status["phase"] = state.phase;
    status["namespace"] = state.status_namespace;
    status["message"] = join(state.problems);
    status["observedGeneration"] = state.generation;
    status["conditions"] = state.conditions;
    if (const auto* current = find_object(project, "status")) {
        bool same = true;
        for (const auto& [k, v] : status) {
            auto it = current->find(k);
            if (it == current->end() ? !(v.is_string() && v.get_string().empty()) : it->value() != v) same = false;
        }
        if (same) co_return;
    }
    json::object patch;
    patch["status"] = std::move(status);
    try {
        co_await client_.merge_patch(crds::projects, "", kube::object_name(project), patch, "status", write_options());
    } catch (const kube::ApiError& e) {
        if (!kube::is_not_found(e)) throw;  // deleted meanwhile
    }
    if (state.phase != get_string(project, "status.phase"))
        state.log(state.phase == "Failed" ? log::Level::warn : log::Level::info, "phase changed", state.phase);
}

void add_project_controller(kube::Manager& manager, const OperatorConfig& config) {
    std::string managed = std::string(kManagedByLabel) + "=" + std::string(kManagedByValue);
    kube::InformerOptions by_label;
    by_label.label_selector = managed;
    kube::InformerOptions source;
    source.namespace_ = config.registry_secret_namespace;
    source.field_selector = "metadata.name=" + config.registry_secret_name;

    ProjectCaches caches{
        manager.informer(crds::projects),
        manager.informer(kube::resources::namespaces, by_label),
        manager.informer(kube::resources::secrets, source),
        manager.informer(kube::resources::secrets, by_label),
        manager.informer(builtin::resourcequotas, by_label),
        manager.informer(builtin::limitranges, by_label),
        manager.informer(builtin::networkpolicies, by_label),
    };
    auto reconciler = std::make_shared<ProjectReconciler>(manager.client(), config, caches);
    auto& controller = manager.add_controller(
        {.name = "project", .workers = config.concurrency},
        [reconciler](const kube::Request& r) { return reconciler->reconcile(r); });
    auto by_project_label = [reconciler](const json::object& o) { return reconciler->project_of_labelled(o); };
    controller.for_resource(caches.projects)
        .watches(caches.namespaces, by_project_label)
        .watches(caches.managed_secrets, by_project_label)
        .watches(caches.quotas, by_project_label)
        .watches(caches.limit_ranges, by_project_label)
        .watches(caches.network_policies, by_project_label)
        .watches(caches.source_secret, [reconciler](const json::object& o) { return reconciler->all_projects(o); });
}

}  // namespace sb::op
