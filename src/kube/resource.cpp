#include "kube/resource.hpp"

#include <cctype>

namespace sb::kube {

std::string ResourceRef::api_version() const { return group.empty() ? version : group + "/" + version; }

std::string ResourceRef::base_path() const { return group.empty() ? "/api/" + version : "/apis/" + group + "/" + version; }

std::string ResourceRef::collection_path(std::string_view ns) const {
    std::string path = base_path();
    if (namespaced && !ns.empty()) {
        path += "/namespaces/";
        path += ns;
    }
    path += "/";
    path += resource;
    return path;
}

std::string ResourceRef::object_path(std::string_view ns, std::string_view name, std::string_view subresource) const {
    std::string path = collection_path(ns);
    path += "/";
    path += name;
    if (!subresource.empty()) {
        path += "/";
        path += subresource;
    }
    return path;
}

std::string ResourceRef::display_name() const { return group.empty() ? resource : resource + "." + group; }

namespace {
std::string plural_of(std::string_view kind) {
    std::string lower;
    for (char c : kind) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (lower.empty()) return lower;
    auto ends_with = [&](std::string_view s) { return lower.size() >= s.size() && lower.ends_with(s); };
    if (ends_with("s") || ends_with("x") || ends_with("z") || ends_with("ch") || ends_with("sh")) return lower + "es";
    if (ends_with("y") && lower.size() > 1 && std::string_view("aeiou").find(lower[lower.size() - 2]) == std::string_view::npos)
        return lower.substr(0, lower.size() - 1) + "ies";
    return lower + "s";
}
}  // namespace

ResourceRef ResourceRef::for_kind(std::string_view api_version, std::string_view kind, bool namespaced) {
    ResourceRef r;
    auto slash = api_version.find('/');
    if (slash == std::string_view::npos) {
        r.version = std::string(api_version);
    } else {
        r.group = std::string(api_version.substr(0, slash));
        r.version = std::string(api_version.substr(slash + 1));
    }
    r.resource = plural_of(kind);
    r.namespaced = namespaced;
    r.kind = std::string(kind);
    return r;
}

namespace resources {
const ResourceRef namespaces{"", "v1", "namespaces", false, "Namespace"};
const ResourceRef pods{"", "v1", "pods", true, "Pod"};
const ResourceRef services{"", "v1", "services", true, "Service"};
const ResourceRef configmaps{"", "v1", "configmaps", true, "ConfigMap"};
const ResourceRef secrets{"", "v1", "secrets", true, "Secret"};
const ResourceRef serviceaccounts{"", "v1", "serviceaccounts", true, "ServiceAccount"};
const ResourceRef events{"", "v1", "events", true, "Event"};
const ResourceRef deployments{"apps", "v1", "deployments", true, "Deployment"};
const ResourceRef statefulsets{"apps", "v1", "statefulsets", true, "StatefulSet"};
const ResourceRef jobs{"batch", "v1", "jobs", true, "Job"};
const ResourceRef leases{"coordination.k8s.io", "v1", "leases", true, "Lease"};
const ResourceRef customresourcedefinitions{"apiextensions.k8s.io", "v1", "customresourcedefinitions", false,
                                            "CustomResourceDefinition"};
}  // namespace resources

namespace {
std::string_view metadata_string(const boost::json::object& obj, std::string_view field) {
    auto md = obj.find("metadata");
    if (md == obj.end() || !md->value().is_object()) return {};
    auto it = md->value().get_object().find(field);
    if (it == md->value().get_object().end() || !it->value().is_string()) return {};
    return it->value().get_string();
}
}  // namespace

std::string_view object_namespace(const boost::json::object& obj) { return metadata_string(obj, "namespace"); }
std::string_view object_name(const boost::json::object& obj) { return metadata_string(obj, "name"); }
std::string_view object_uid(const boost::json::object& obj) { return metadata_string(obj, "uid"); }
std::string_view object_resource_version(const boost::json::object& obj) {
    return metadata_string(obj, "resourceVersion");
}

std::string make_key(std::string_view ns, std::string_view name) {
    if (ns.empty()) return std::string(name);
    std::string key;
    key.reserve(ns.size() + name.size() + 1);
    key += ns;
    key += '/';
    key += name;
    return key;
}

std::string object_key(const boost::json::object& obj) { return make_key(object_namespace(obj), object_name(obj)); }

std::pair<std::string, std::string> split_key(std::string_view key) {
    auto slash = key.find('/');
    if (slash == std::string_view::npos) return {std::string(), std::string(key)};
    return {std::string(key.substr(0, slash)), std::string(key.substr(slash + 1))};
}

}  // namespace sb::kube
