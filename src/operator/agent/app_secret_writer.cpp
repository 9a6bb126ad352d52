#include "operator/agent/app_secret_writer.hpp"

#include <array>

#include "agent/objects.hpp"
#include "common/base64.hpp"
#include "common/json_fields.hpp"
#include "common/log.hpp"
#include "kube/errors.hpp"
#include "kube/resource.hpp"
#include "operator/common/crd_types.hpp"

namespace sb::op::agent {

namespace json = boost::json;
using sb::agent::Error;
using sb::agent::ErrorCode;

namespace {

constexpr std::array<std::string_view, 3> kPurposes = {"env", "git", "registry"};

std::string_view secret_type(std::string_view purpose) {
    return purpose == "registry" ? "kubernetes.io/dockerconfigjson" : "Opaque";
}

json::object owner_of(const json::object& app) {
    return {{"apiVersion", sb::agent::kShapeBlockApiVersion},
            {"kind", "App"},
            {"name", get_string(app, "metadata.name")},
            {"uid", get_string(app, "metadata.uid")},
            {"controller", true},
            {"blockOwnerDeletion", true}};
}

bool has_owner(const json::object& secret) {
    const auto* refs = find_array(secret, "metadata.ownerReferences");
    return refs && !refs->empty();
}

// The cluster's copy already says what `desired` says: no write needed.
bool up_to_date(const json::object& existing, const json::object& desired, const json::object* app) {
    const auto* have = find_object(existing, "data");
    const auto* want = find_object(desired, "data");
    const bool same_data = (have ? *have : json::object()) == (want ? *want : json::object());
    return same_data && get_string(existing, "type") == get_string(desired, "type") &&
           (!app || is_owned_by(existing, get_string(*app, "metadata.uid")));
}

}  // namespace

json::object app_secret_object(const sb::agent::AppSecret& secret, const json::object* app) {
    json::object data;
    for (const auto& [key, value] : secret.data) data[key] = base64_encode(value);
    json::object meta{{"name", sb::agent::app_secret_name(secret.app, secret.purpose)},
                      {"namespace", secret.namespace_},
                      {"labels", {{kManagedByLabel, kManagedByValue}, {kAppLabel, secret.app}}}};
    if (app) meta["ownerReferences"] = json::array{owner_of(*app)};
    return {{"apiVersion", "v1"},
            {"kind", "Secret"},
            {"metadata", std::move(meta)},
            {"type", secret_type(secret.purpose)},
            {"data", std::move(data)}};
}

kube::Task<std::optional<Error>> AppSecretWriter::write(sb::agent::AppSecret secret) {
    if (auto error = sb::agent::check_app_secret(secret)) co_return error;
    const auto name = sb::agent::app_secret_name(secret.app, secret.purpose);
    const auto ns = secret.namespace_;
    std::exception_ptr failure;
    try {
        const sb::agent::ObjectRef ref{"App", ns, secret.app};
        auto refused = co_await objects_.check_namespace(ref);
        if (refused) co_return refused;
        // The cache holds the Secrets ShapeBlock labelled; one it does not
        // hold may still exist, written by someone else, and is never taken over.
        std::optional<json::object> existing;
        if (auto cached = managed_secrets_.store().get(ns, name)) {
            existing = *cached;
        } else if (!secret.data.empty()) {
            try {
                existing = co_await client_.get(kube::resources::secrets, ns, name);
            } catch (const kube::ApiError& e) {
                if (!kube::is_not_found(e)) throw;
            }
        }
        if (existing && label_value(*existing, kManagedByLabel) != kManagedByValue)
            co_return Error{ErrorCode::forbidden, "Secret " + ns + "/" + name +
                                                      " exists and was not written by ShapeBlock; it is left alone"};
        if (secret.data.empty()) {
            unowned_.erase({ns, secret.app});
            if (!existing) co_return std::nullopt;
            kube::DeleteOptions options;
            options.precondition_uid = get_string(*existing, "metadata.uid");
            try {
                co_await client_.remove(kube::resources::secrets, ns, name, options);
            } catch (const kube::ApiError& e) {
                if (!kube::is_not_found(e)) throw;
            }
            sb::log::info("app secret deleted", {{"namespace", json::value(ns)}, {"secret", json::value(name)}});
            co_return std::nullopt;
        }
        const auto app = apps_.store().get(ns, secret.app);
        const json::object* app_object = app ? &*app : nullptr;
        auto desired = app_secret_object(secret, app_object);
        if (existing && up_to_date(*existing, desired, app_object)) co_return std::nullopt;
        kube::ApplyOptions options;
        options.field_manager = std::string(kAgentFieldManager);
        options.force = true;
        bool namespace_missing = false;
        try {
            co_await client_.apply(kube::resources::secrets, desired, options);
        } catch (const kube::ApiError& e) {
            if (!kube::is_not_found(e)) throw;
            namespace_missing = true;
        }
        // Sent right behind a new Project, the Secret waits for its namespace.
        if (namespace_missing) {
            const bool ready = co_await objects_.wait_for_namespace(ns);
            if (!ready)
                co_return Error{ErrorCode::unavailable, "namespace '" + ns + "' of the project does not exist yet; retry"};
            co_await client_.apply(kube::resources::secrets, desired, options);
        }
        if (app_object)
            unowned_.erase({ns, secret.app});
        else
            unowned_.insert({ns, secret.app});
        sb::log::info("app secret written", {{"namespace", json::value(ns)},
                                             {"secret", json::value(name)},
                                             {"keys", json::value(secret.data.size())},
                                             {"owned", json::value(app_object != nullptr)}});
        co_return std::nullopt;
    } catch (...) {
        failure = std::current_exception();
    }
    co_return error_from_exception(failure);
}

kube::Task<void> AppSecretWriter::adopt(std::string ns, std::string app_name) {
    if (!unowned_.erase({ns, app_name})) co_return;
    try {
        auto app = co_await client_.get(crds::apps, ns, app_name);
        json::object patch{{"metadata", {{"ownerReferences", json::array{owner_of(app)}}}}};
        kube::WriteOptions options;
        options.field_manager = std::string(kAgentFieldManager);
        for (std::string_view purpose : kPurposes) {
            const auto name = sb::agent::app_secret_name(app_name, purpose);
            std::optional<json::object> secret;
            try {
                secret = co_await client_.get(kube::resources::secrets, ns, name);
            } catch (const kube::ApiError& e) {
                if (!kube::is_not_found(e)) throw;
            }
            if (!secret || label_value(*secret, kManagedByLabel) != kManagedByValue || has_owner(*secret)) continue;
            co_await client_.merge_patch(kube::resources::secrets, ns, name, patch, {}, options);
        }
    } catch (const std::exception& e) {
        // The next appSecret for this app (every sync sends one) sets the owner.
        sb::log::warn("app secrets not adopted by their App", {{"namespace", json::value(ns)},
                                                               {"app", json::value(app_name)},
                                                               {"error", json::value(e.what())}});
    }
}

}  // namespace sb::op::agent
