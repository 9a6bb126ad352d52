#pragma once
// Naming an API resource: group/version/resource (+ whether it is namespaced
// and its Kind), and the REST paths built from it.
#include <boost/json/object.hpp>
#include <string>
#include <string_view>

namespace sb::kube {

struct ResourceRef {
    std::string group;      // "" for the core group
    std::string version;    // "v1"
    std::string resource;   // plural, lower case: "configmaps"
    bool namespaced = true;
    std::string kind;       // "ConfigMap" (used for apply bodies and messages)

    // "v1" or "apps/v1".
    std::string api_version() const;
    // "/api/v1" or "/apis/apps/v1".
    std::string base_path() const;
    // Collection path: .../namespaces/{ns}/{resource}, or .../{resource} when
    // ns is empty (all namespaces) or the resource is cluster-scoped.
    std::string collection_path(std::string_view ns) const;
    // Object path; subresource e.g. "status", "log".
    std::string object_path(std::string_view ns, std::string_view name, std::string_view subresource = {}) const;
    // "configmaps" or "deployments.apps" (for metrics and messages).
    std::string display_name() const;

    // Derives the resource from apiVersion and Kind with the usual English
    // plural rules (Ingress -> ingresses, Policy -> policies).
    static ResourceRef for_kind(std::string_view api_version, std::string_view kind, bool namespaced = true);

    friend bool operator==(const ResourceRef&, const ResourceRef&) = default;
};

// Frequently used built-in resources.
namespace resources {
extern const ResourceRef namespaces;
extern const ResourceRef pods;
extern const ResourceRef services;
extern const ResourceRef configmaps;
extern const ResourceRef secrets;
extern const ResourceRef serviceaccounts;
extern const ResourceRef events;
extern const ResourceRef deployments;
extern const ResourceRef statefulsets;
extern const ResourceRef jobs;
extern const ResourceRef leases;
extern const ResourceRef customresourcedefinitions;
}  // namespace resources

// metadata.namespace / metadata.name / ... of an object ("" when absent).
std::string_view object_namespace(const boost::json::object& obj);
std::string_view object_name(const boost::json::object& obj);
std::string_view object_uid(const boost::json::object& obj);
std::string_view object_resource_version(const boost::json::object& obj);
// "ns/name", or "name" for cluster-scoped objects (client-go's MetaNamespaceKey).
std::string object_key(const boost::json::object& obj);
std::string make_key(std::string_view ns, std::string_view name);
// Splits "ns/name" or "name" into {ns, name}.
std::pair<std::string, std::string> split_key(std::string_view key);

}  // namespace sb::kube
