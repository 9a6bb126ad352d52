#include "operator/project/project_objects.hpp"

#include <boost/json/array.hpp>
#include <boost/json/serialize.hpp>

#include "operator/common/crd_types.hpp"

namespace sb::op {

namespace json = boost::json;

namespace {

json::object metadata(const std::string& name, const std::string& ns, const json::object& project) {
    json::object meta;
    meta["name"] = name;
    if (!ns.empty()) meta["namespace"] = ns;
    meta["labels"] = project_labels(project);
    meta["ownerReferences"] = json::array{owner_reference(project, true)};
    return meta;
}

bool labels_contained(const json::object& existing, const json::object& desired) {
    const auto* want = find_object(desired, "metadata.labels");
    if (!want) return true;
    const auto* have = find_object(existing, "metadata.labels");
    if (!have) return want->empty();
    for (const auto& [k, v] : *want) {
        auto it = have->find(k);
        if (it == have->end() || it->value() != v) return false;
    }
    return true;
}

// A quota value from the CRD may be an integer or a string.
std::optional<std::string> quantity(const json::object& quota, std::string_view key) {
    auto it = quota.find(key);
    if (it == quota.end()) return std::nullopt;
    const auto& v = it->value();
    if (v.is_string()) return std::string(v.get_string());
    if (v.is_int64()) return std::to_string(v.get_int64());
    if (v.is_uint64()) return std::to_string(v.get_uint64());
    if (v.is_double()) return json::serialize(v);
    return std::nullopt;
}

}  // namespace

std::string desired_namespace_name(const json::object& project) {
    auto name = get_string(project, "spec.name");
    return name.empty() ? get_string(project, "metadata.name") : name;
}

NamespaceOwnership classify_namespace(const json::object& ns, const json::object& project) {
    if (is_owned_by(ns, get_string(project, "metadata.uid"))) return NamespaceOwnership::ours;
    if (label_value(ns, kManagedByLabel) == kManagedByValue && !label_value(ns, kProjectLabel).empty())
        return NamespaceOwnership::other_project;
    return NamespaceOwnership::foreign;
}

json::object project_labels(const json::object& project) {
    json::object labels;
    labels[kManagedByLabel] = kManagedByValue;
    labels[kProjectLabel] = get_string(project, "metadata.name");
    return labels;
}

json::object build_namespace(const json::object& project, const std::string& name) {
    json::object ns;
    ns["apiVersion"] = "v1";
    ns["kind"] = "Namespace";
    ns["metadata"] = metadata(name, "", project);
    return ns;
}

json::object build_secret_copy(const json::object& source, const json::object& project, const std::string& ns) {
    json::object secret;
    secret["apiVersion"] = "v1";
    secret["kind"] = "Secret";
    secret["metadata"] = metadata(get_string(source, "metadata.name"), ns, project);
    auto type = get_string(source, "type");
    secret["type"] = type.empty() ? "Opaque" : type;
    if (const auto* data = find_object(source, "data")) secret["data"] = *data;
    else secret["data"] = json::object();
    return secret;
}

bool secret_copy_matches(const json::object& existing, const json::object& desired) {
    auto existing_type = get_string(existing, "type");
    if ((existing_type.empty() ? "Opaque" : existing_type) != get_string(desired, "type")) return false;
    const auto* have = find_object(existing, "data");
    const auto* want = find_object(desired, "data");
    json::object empty;
    if ((have ? *have : empty) != (want ? *want : empty)) return false;
    return labels_contained(existing, desired);
}

bool project_has_quota(const json::object& project) {
    const auto* quota = find_object(project, "spec.quota");
    if (!quota) return false;
    for (auto key : {"cpu", "memory", "storage", "pods"})
        if (quota->contains(key)) return true;
    return false;
}

json::object build_resource_quota(const json::object& project, const std::string& ns) {
    json::object hard;
    if (const auto* quota = find_object(project, "spec.quota")) {
        if (auto cpu = quantity(*quota, "cpu")) {
            hard["requests.cpu"] = *cpu;
            hard["limits.cpu"] = *cpu;
        }
        if (auto memory = quantity(*quota, "memory")) {
            hard["requests.memory"] = *memory;
            hard["limits.memory"] = *memory;
        }
        if (auto storage = quantity(*quota, "storage")) hard["requests.storage"] = *storage;
        if (auto pods = quantity(*quota, "pods")) hard["pods"] = *pods;
    }
    json::object rq;
    rq["apiVersion"] = "v1";
    rq["kind"] = "ResourceQuota";
    rq["metadata"] = metadata(kQuotaName, ns, project);
    rq["spec"] = json::object{{"hard", std::move(hard)}};
    return rq;
}

json::object build_limit_range(const json::object& project, const std::string& ns, const ResourceLimits& defaults) {
    // Only resources the quota limits need defaults: a quota on cpu/memory
    // makes the API server refuse pods that do not state them.
    const auto* quota = find_object(project, "spec.quota");
    json::object default_limit, default_request;
    if (quota && quota->contains("cpu")) {
        default_limit["cpu"] = defaults.cpu_limit;
        default_request["cpu"] = defaults.cpu_request;
    }
    if (quota && quota->contains("memory")) {
        default_limit["memory"] = defaults.memory_limit;
        default_request["memory"] = defaults.memory_request;
    }
    json::object limit;
    limit["type"] = "Container";
    limit["default"] = std::move(default_limit);
    limit["defaultRequest"] = std::move(default_request);
    json::object lr;
    lr["apiVersion"] = "v1";
    lr["kind"] = "LimitRange";
    lr["metadata"] = metadata(kLimitRangeName, ns, project);
    lr["spec"] = json::object{{"limits", json::array{std::move(limit)}}};
    return lr;
}

bool network_policy_enabled(const json::object& project, bool default_enabled) {
    return get_bool(project, "spec.networkPolicy.enabled").value_or(default_enabled);
}

json::object build_network_policy(const json::object& project, const std::string& ns,
                                  const std::vector<std::string>& ingress_namespaces) {
    json::array from;
    // Every pod of the project's own namespace.
    from.emplace_back(json::object{{"podSelector", json::object()}});
    // The ingress controller's namespaces (kubernetes.io/metadata.name is set
    // on every namespace by the API server since 1.21).
    for (const auto& name : ingress_namespaces) {
        json::object selector{{"matchLabels", json::object{{"kubernetes.io/metadata.name", name}}}};
        from.emplace_back(json::object{{"namespaceSelector", std::move(selector)}});
    }
    json::object spec;
    spec["podSelector"] = json::object();
    spec["policyTypes"] = json::array{"Ingress"};
    spec["ingress"] = json::array{json::object{{"from", std::move(from)}}};
    json::object np;
    np["apiVersion"] = "networking.k8s.io/v1";
    np["kind"] = "NetworkPolicy";
    np["metadata"] = metadata(kNetworkPolicyName, ns, project);
    np["spec"] = std::move(spec);
    return np;
}

bool spec_and_labels_match(const json::object& existing, const json::object& desired) {
    if (get_string(desired, "kind") == "Secret") return secret_copy_matches(existing, desired);
    const auto* have = find_object(existing, "spec");
    const auto* want = find_object(desired, "spec");
    if (want && (!have || *have != *want)) return false;
    return labels_contained(existing, desired);
}

}  // namespace sb::op
