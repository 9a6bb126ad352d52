#include "operator/common/crd_types.hpp"

#include <boost/json/value.hpp>

namespace sb::op {

namespace json = boost::json;

namespace crds {
const kube::ResourceRef projects{"apps.shapeblock.io", "v1alpha1", "projects", false, "Project"};
const kube::ResourceRef apps{"apps.shapeblock.io", "v1alpha1", "apps", true, "App"};
const kube::ResourceRef appbuilds{"apps.shapeblock.io", "v1alpha1", "appbuilds", true, "AppBuild"};
const kube::ResourceRef services{"apps.shapeblock.io", "v1alpha1", "services", true, "Service"};
const kube::ResourceRef helmcharts{"helm.cattle.io", "v1", "helmcharts", true, "HelmChart"};
}  // namespace crds

namespace builtin {
const kube::ResourceRef resourcequotas{"", "v1", "resourcequotas", true, "ResourceQuota"};
const kube::ResourceRef limitranges{"", "v1", "limitranges", true, "LimitRange"};
const kube::ResourceRef networkpolicies{"networking.k8s.io", "v1", "networkpolicies", true, "NetworkPolicy"};
}  // namespace builtin

std::int64_t object_generation(const json::object& obj) { return get_int(obj, "metadata.generation").value_or(0); }

bool is_being_deleted(const json::object& obj) { return !get_string(obj, "metadata.deletionTimestamp").empty(); }

bool has_finalizer(const json::object& obj, std::string_view finalizer) {
    const auto* meta = find_object(obj, "metadata");
    if (!meta) return false;
    auto it = meta->find("finalizers");
    if (it == meta->end() || !it->value().is_array()) return false;
    for (const auto& f : it->value().get_array())
        if (f.is_string() && f.get_string() == finalizer) return true;
    return false;
}

namespace {

// A string of a map such as metadata.labels, whose keys hold dots (so no dotted path).
std::string_view string_in_map(const json::object& obj, std::string_view map, std::string_view key) {
    const auto* entries = find_object(obj, map);
    if (!entries) return {};
    auto it = entries->find(key);
    if (it == entries->end() || !it->value().is_string()) return {};
    return it->value().get_string();
}

}  // namespace

std::string_view label_value(const json::object& obj, std::string_view key) {
    return string_in_map(obj, "metadata.labels", key);
}

std::string_view annotation_value(const json::object& obj, std::string_view key) {
    return string_in_map(obj, "metadata.annotations", key);
}

json::object owner_reference(const json::object& owner, bool controller) {
    json::object ref;
    ref["apiVersion"] = get_string(owner, "apiVersion");
    ref["kind"] = get_string(owner, "kind");
    ref["name"] = get_string(owner, "metadata.name");
    ref["uid"] = get_string(owner, "metadata.uid");
    if (controller) {
        ref["controller"] = true;
        ref["blockOwnerDeletion"] = true;
    }
    return ref;
}

bool is_owned_by(const json::object& obj, std::string_view owner_uid) {
    if (owner_uid.empty()) return false;
    const auto* meta = find_object(obj, "metadata");
    if (!meta) return false;
    auto it = meta->find("ownerReferences");
    if (it == meta->end() || !it->value().is_array()) return false;
    for (const auto& ref : it->value().get_array()) {
        if (!ref.is_object()) continue;
        if (get_string(ref.get_object(), "uid") == owner_uid) return true;
    }
    return false;
}

const json::object* find_condition(const json::array& conditions, std::string_view type) {
    for (const auto& c : conditions)
        if (c.is_object() && get_string(c.get_object(), "type") == type) return &c.get_object();
    return nullptr;
}

const json::object* true_condition(const json::object& object, std::string_view type) {
    const auto* status = find_object(object, "status");
    const auto* conditions = status ? status->if_contains("conditions") : nullptr;
    if (!conditions || !conditions->is_array()) return nullptr;
    const auto* condition = find_condition(conditions->get_array(), type);
    return condition && get_string(*condition, "status") == "True" ? condition : nullptr;
}

bool set_condition(json::array& conditions, const Condition& condition, std::int64_t observed_generation,
                   std::string_view now) {
    json::object desired;
    desired["type"] = condition.type;
    desired["status"] = condition.status;
    desired["reason"] = condition.reason;
    desired["message"] = condition.message;
    desired["observedGeneration"] = observed_generation;
    for (auto& c : conditions) {
        if (!c.is_object() || get_string(c.get_object(), "type") != condition.type) continue;
        auto& existing = c.get_object();
        auto previous_time = get_string(existing, "lastTransitionTime");
        bool status_same = get_string(existing, "status") == condition.status;
        desired["lastTransitionTime"] = status_same && !previous_time.empty() ? previous_time : std::string(now);
        if (existing == desired) return false;
        existing = std::move(desired);
        return true;
    }
    desired["lastTransitionTime"] = now;
    conditions.emplace_back(std::move(desired));
    return true;
}

bool remove_condition(json::array& conditions, std::string_view type) {
    for (auto it = conditions.begin(); it != conditions.end(); ++it) {
        if (it->is_object() && get_string(it->get_object(), "type") == type) {
            conditions.erase(it);
            return true;
        }
    }
    return false;
}

}  // namespace sb::op
