#include "operator/app/app_reconciler.hpp"

#include <sodium.h>

#include <boost/json/array.hpp>

#include "operator/app/app_validation.hpp"
#include "common/base64.hpp"
#include "common/log.hpp"
#include "operator/common/crd_types.hpp"
#include "operator/app/certificate_api.hpp"
#include "operator/app/deploy_key.hpp"
#include "operator/helm/helm_values.hpp"
#include "kube/errors.hpp"
#include "kube/manager.hpp"

namespace sb::op {

namespace json = boost::json;
using namespace std::chrono_literals;

namespace {

// "a; b; c".
std::string joined(const std::vector<std::string>& parts) {
    std::string out;
    for (const auto& p : parts) out += (out.empty() ? "" : "; ") + p;
    return out;
}

constexpr std::string_view kIngressesByApp = "shapeblock.io/ingresses-by-app";

kube::WriteOptions write_options() { return {.field_manager = std::string(kFieldManager)}; }

}  // namespace

std::string deploy_key_secret_name(std::string_view app) { return std::string(app) + "-ssh"; }

struct AppReconciler::State {
    std::string key;
    std::string now = now_rfc3339();
    std::int64_t generation = 0;
    std::vector<std::string> problems;  // make the app Failed
    std::vector<std::string> notices;   // ignored changes: reported, not fatal
    std::string build_type;
    std::string deploy_key, deploy_key_secret;
    DomainReport domains;
    json::array conditions;
    std::chrono::milliseconds requeue_after{0};

    // Valid, SpecAccepted and DeployKeyReady from what the reconcile found; true when one changed.
    bool update_conditions();

    void log(log::Level level, std::string_view message, std::string_view detail = {}) const {
        log::write(level, message, {{"controller", "app"}, {"key", json::value(key)}, {"detail", json::value(detail)}});
    }
};

AppReconciler::AppReconciler(kube::Client client, const OperatorConfig& config, AppCaches caches)
    : client_(std::move(client)), config_(config), caches_(caches) {}

kube::Task<kube::Result> AppReconciler::reconcile(const kube::Request& request) {
    auto cached = caches_.apps.store().get(request.key());
    if (!cached || is_being_deleted(*cached)) co_return kube::Result::done();  // the key Secret is garbage-collected
    State state;
    state.key = request.key();
    try {
        auto app = co_await record_accepted_fields(*cached);
        state.generation = object_generation(app);
        if (const auto* status = find_object(app, "status"))
            if (auto it = status->find("conditions"); it != status->end() && it->value().is_array())
                state.conditions = it->value().get_array();

        auto immutable = apply_immutable_fields(app);
        state.notices = immutable.ignored;
        auto validation = validate_app(immutable.effective, {.default_registry = config_.default_registry});
        state.problems = validation.problems;
        state.build_type = validation.build_type;

        if (validation.needs_deploy_key) co_await ensure_deploy_key(immutable.effective, state);
        else co_await remove_deploy_key(immutable.effective, state);
        if (!get_string(app, "spec.git.secretName").empty()) co_await check_secret_exists(app, "git.secretName", state);
        if (!get_string(app, "spec.registry.secretName").empty())
            co_await check_secret_exists(app, "registry.secretName", state);
        state.domains = domains_of(app);
        co_await write_status(app, state);
    } catch (const kube::ApiError& e) {
        if (kube::is_conflict(e)) co_return kube::Result::after(200ms);
        throw;
    }
    co_return kube::Result::after(state.requeue_after);
}

kube::Task<json::object> AppReconciler::record_accepted_fields(json::object app) {
    if (const auto* annotations = find_object(app, "metadata.annotations"))
        if (annotations->contains(kAcceptedGitUrlAnnotation)) co_return app;
    json::object patch{{"metadata", json::object{{"annotations", json::object{{kAcceptedGitUrlAnnotation,
                                                                                get_string(app, "spec.git.url")}}},
                                                {"resourceVersion", kube::object_resource_version(app)}}}};
    co_return co_await client_.merge_patch(crds::apps, kube::object_namespace(app), kube::object_name(app), patch, {},
                                           write_options());
}

kube::Task<void> AppReconciler::ensure_deploy_key(const json::object& app, State& state) {
    auto ns = std::string(kube::object_namespace(app));
    auto name = deploy_key_secret_name(kube::object_name(app));
    auto uid = get_string(app, "metadata.uid");
    std::optional<json::object> secret;
    if (auto cached = caches_.managed_secrets.store().get(ns, name)) secret = *cached;

    if (!secret) {
        auto key = generate_deploy_key(deploy_key_comment(ns, kube::object_name(app)));
        json::object labels{{kManagedByLabel, kManagedByValue}, {kAppLabel, kube::object_name(app)}};
        json::object meta{{"name", name},
                          {"namespace", ns},
                          {"labels", std::move(labels)},
                          {"ownerReferences", json::array{owner_reference(app, true)}}};
        json::object desired{{"apiVersion", "v1"},
                             {"kind", "Secret"},
                             {"metadata", std::move(meta)},
                             {"type", "kubernetes.io/ssh-auth"},
                             {"data", json::object{{"ssh-privatekey", base64_encode(key.private_key_pem)},
                                                   {"ssh-publickey", base64_encode(key.public_key)}}}};
        sodium_memzero(key.private_key_pem.data(), key.private_key_pem.size());
        try {
            secret = co_await client_.create(kube::resources::secrets, std::move(desired), write_options());
            state.log(log::Level::info, "deploy key generated", name);
        } catch (const kube::ApiError& e) {
            if (!kube::is_already_exists(e)) throw;
        }
        if (!secret) secret = co_await client_.get(kube::resources::secrets, ns, name);
    }

    if (!is_owned_by(*secret, uid)) {
        state.problems.push_back("Secret " + name + " already exists and does not belong to this app, so no deploy key "
                                 "can be generated: delete it, or set git.secretName: " + name + " to use it");
        co_return;
    }
    std::string public_key;
    if (const auto* data = find_object(*secret, "data")) {
        if (auto it = data->find("ssh-publickey"); it != data->end() && it->value().is_string())
            public_key = try_base64_decode(it->value().get_string()).value_or("");
        if (public_key.empty())
            if (auto it = data->find("ssh-privatekey"); it != data->end() && it->value().is_string()) {
                try {
                    public_key = public_key_from_private(try_base64_decode(it->value().get_string()).value_or(""));
                } catch (const std::invalid_argument&) {
                }
            }
    }
    if (public_key.empty()) {
        state.problems.push_back("Secret " + name + " holds no valid ed25519 deploy key; delete it and the operator "
                                 "generates a new one (then update the key on your git host)");
        co_return;
    }
    state.deploy_key = public_key;
    state.deploy_key_secret = name;
}

kube::Task<void> AppReconciler::remove_deploy_key(const json::object& app, State& state) {
    const std::string ns(kube::object_namespace(app));
    const auto name = deploy_key_secret_name(kube::object_name(app));
    auto secret = caches_.managed_secrets.store().get(ns, name);
    if (!secret || is_being_deleted(*secret) || !is_owned_by(*secret, get_string(app, "metadata.uid"))) co_return;
    kube::DeleteOptions options;
    options.precondition_uid = std::string(kube::object_uid(*secret));
    try {
        co_await client_.remove(kube::resources::secrets, ns, name, options);
        state.log(log::Level::info, "deploy key removed", name);
    } catch (const kube::ApiError& e) {
        if (!kube::is_not_found(e) && !kube::is_conflict(e)) throw;
    }
}

kube::Task<void> AppReconciler::check_secret_exists(const json::object& app, std::string_view field, State& state) {
    auto ns = std::string(kube::object_namespace(app));
    auto name = get_string(app, "spec." + std::string(field));
    try {
        co_await client_.get(kube::resources::secrets, ns, name);
    } catch (const kube::ApiError& e) {
        if (!kube::is_not_found(e)) throw;
        state.problems.push_back(std::string(field) + ": Secret " + name + " not found in namespace " + ns +
                                 "; create it" +
                                 (field == "git.secretName" ? " (with ssh-privatekey, or username and password)"
                                                            : " (type kubernetes.io/dockerconfigjson)"));
        state.requeue_after = 30s;  // a Secret we do not watch may appear
    }
}

bool AppReconciler::State::update_conditions() {
    const bool valid = problems.empty();
    bool changed = set_condition(conditions,
                                 {"Valid", valid ? "True" : "False", valid ? "Valid" : "ValidationFailed", joined(problems)},
                                 generation, now);
    if (notices.empty()) {
        changed |= remove_condition(conditions, "SpecAccepted");
    } else {
        changed |= set_condition(conditions, {"SpecAccepted", "False", "ImmutableFieldChanged", joined(notices)},
                                 generation, now);
    }
    if (!deploy_key.empty())
        changed |= set_condition(conditions, {"DeployKeyReady", "True", "Generated",
                                              "add status.deployKey to your git host as a read-only deploy key"},
                                 generation, now);
    else
        changed |= remove_condition(conditions, "DeployKeyReady");
    return changed;
}

kube::Task<void> AppReconciler::write_status(const json::object& app, State& state) {
    const json::object empty;
    const auto* current = find_object(app, "status");
    if (!current) current = &empty;
    auto current_string = [&](std::string_view k) { return get_string(*current, k); };
    const auto* previous_valid = find_condition(state.conditions, "Valid");
    bool was_invalid = previous_valid && get_string(*previous_valid, "status") == "False";
    const auto* previous_accepted = find_condition(state.conditions, "SpecAccepted");
    bool had_notice = previous_accepted && get_string(*previous_accepted, "status") == "False";

    json::object patch;
    auto put = [&](std::string_view k, json::value v) {
        auto it = current->find(k);
        if (it == current->end() || it->value() != v) patch[k] = std::move(v);
    };

    bool valid = state.problems.empty();
    std::string message = joined(state.problems);
    for (const auto& n : state.notices) message += (message.empty() ? "" : "; ") + n;

    auto phase = current_string("phase");
    if (!valid) {
        phase = "Failed";
    } else if (phase.empty() || (phase == "Failed" && was_invalid)) {
        phase = current_string("currentImage").empty() ? "Pending" : "Running";
    }
    put("phase", json::value(phase));
    // The message is ours when we have something to say or said something before.
    if (!message.empty() || was_invalid || had_notice) put("message", json::value(message));
    // An App that asks for detection shows what its deployed build detected
    // (written by the rollout), "detect" until then.
    const auto shown_type = current_string("buildType");
    const bool detected = state.build_type == "detect" && (shown_type == "dockerfile" || shown_type == "buildpack") &&
                          !current_string("latestBuild").empty();
    if (!detected) put("buildType", json::value(state.build_type));
    // No key: the fields go rather than stay as empty strings.
    auto put_or_clear = [&](std::string_view k, const std::string& v) {
        if (!v.empty()) put(k, json::value(v));
        else if (current->contains(k)) patch[k] = nullptr;
    };
    put_or_clear("deployKey", state.deploy_key);
    put_or_clear("deployKeySecretName", state.deploy_key_secret);
    put("observedGeneration", json::value(state.generation));
    if (current_string("url").empty())
        if (const auto* domains = find_array(app, "spec.domains"); domains && !domains->empty() && (*domains)[0].is_string())
            put("url", json::value("https://" + std::string((*domains)[0].get_string())));
    // Written once there is something to say, and kept current from then on.
    if (!state.domains.domains.empty() || current->contains("domains")) put("domains", state.domains.domains);
    if (!state.domains.dns_target.empty() || current->contains("dnsTarget"))
        put("dnsTarget", json::value(state.domains.dns_target));
    if (state.update_conditions()) patch["conditions"] = state.conditions;
    if (patch.empty()) co_return;
    patch["lastUpdated"] = state.now;
    json::object body;
    body["status"] = std::move(patch);
    try {
        co_await client_.merge_patch(crds::apps, kube::object_namespace(app), kube::object_name(app), body, "status",
                                     write_options());
    } catch (const kube::ApiError& e) {
        if (!kube::is_not_found(e)) throw;
    }
    if (phase != current_string("phase"))
        state.log(phase == "Failed" ? log::Level::warn : log::Level::info, "phase changed",
                  phase == "Failed" ? std::string_view(message) : std::string_view(phase));
}

DomainReport AppReconciler::domains_of(const json::object& app) const {
    const std::string ns(kube::object_namespace(app));
    const std::string name(kube::object_name(app));
    auto ingresses = caches_.ingresses.store().by_index(std::string(kIngressesByApp), ns + "/" + name);
    std::sort(ingresses.begin(), ingresses.end(),
              [](const kube::Object& a, const kube::Object& b) { return kube::object_name(*a) < kube::object_name(*b); });
    DomainInputs inputs;
    for (const auto& i : ingresses) inputs.ingresses.push_back(i.get());
    // The Objects stay alive for the call: the lambda reads the store's shared copies.
    std::vector<kube::Object> found;
    if (caches_.certificates) {
        inputs.certificates_api = true;
        inputs.certificate = [this, &ns, &found](std::string_view cert) -> const json::object* {
            auto c = caches_.certificates->store().get(ns, std::string(cert));
            if (!c) return nullptr;
            found.push_back(c);
            return found.back().get();
        };
    }
    inputs.cluster_issuer = config_.cluster_issuer;
    inputs.default_host = helm::default_host(name, ns, helm::deploy_config_from(config_));
    return domain_report(app, inputs);
}

void add_app_controller(kube::Manager& manager, const OperatorConfig& config, bool certificate_api) {
    kube::InformerOptions by_label;
    by_label.label_selector = std::string(kManagedByLabel) + "=" + std::string(kManagedByValue);
    AppCaches caches{manager.informer(crds::apps), manager.informer(kube::resources::secrets, by_label),
                     manager.informer(ingresses, {.label_selector = std::string(kAppLabel)}), nullptr};
    caches.ingresses.add_index(std::string(kIngressesByApp), [](const json::object& ingress) -> std::vector<std::string> {
        auto app = label_value(ingress, kAppLabel);
        if (app.empty()) return {};
        return {std::string(kube::object_namespace(ingress)) + "/" + std::string(app)};
    });
    if (certificate_api) caches.certificates = &manager.informer(certificates, {.transform = slim_certificate});
    auto reconciler = std::make_shared<AppReconciler>(manager.client(), config, caches);
    auto& controller = manager.add_controller({.name = "app", .workers = config.concurrency},
                                              [reconciler](const kube::Request& r) { return reconciler->reconcile(r); });
    controller.for_resource(caches.apps).owns(caches.managed_secrets, std::string(kGroup), "App");
    controller.watches(caches.ingresses, [](const json::object& ingress) -> std::vector<kube::Request> {
        auto app = label_value(ingress, kAppLabel);
        if (app.empty()) return {};
        return {kube::Request{std::string(kube::object_namespace(ingress)), std::string(app)}};
    });
    if (caches.certificates) {
        // ingress-shim's Certificates are owned by the Ingress they serve.
        auto& ingress_cache = caches.ingresses;
        controller.watches(*caches.certificates, [&ingress_cache](const json::object& cert) -> std::vector<kube::Request> {
            const std::string ns(kube::object_namespace(cert));
            std::vector<kube::Request> out;
            if (const auto* owners = find_array(cert, "metadata.ownerReferences"))
                for (const auto& o : *owners) {
                    if (!o.is_object() || get_string(o.get_object(), "kind") != "Ingress") continue;
                    auto ingress = ingress_cache.store().get(ns, get_string(o.get_object(), "name"));
                    if (!ingress) continue;
                    auto app = label_value(*ingress, kAppLabel);
                    if (!app.empty()) out.push_back({ns, std::string(app)});
                }
            return out;
        });
    }
}

}  // namespace sb::op
