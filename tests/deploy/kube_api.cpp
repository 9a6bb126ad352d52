#include "tests/deploy/kube_api.hpp"

#include <chrono>
#include <map>
#include <stdexcept>
#include <thread>

namespace sb::deploytest {
namespace json = boost::json;

namespace {

struct Resource {
    std::string plural;
    bool namespaced;
};

// apiVersion + "/" + kind -> resource: the kinds the chart and the examples use.
const std::map<std::string, Resource>& known_kinds() {
    static const std::map<std::string, Resource> kinds{
        {"v1/Namespace", {"namespaces", false}},
        {"v1/ServiceAccount", {"serviceaccounts", true}},
        {"v1/Secret", {"secrets", true}},
        {"v1/Service", {"services", true}},
        {"v1/ConfigMap", {"configmaps", true}},
        {"apps/v1/Deployment", {"deployments", true}},
        {"rbac.authorization.k8s.io/v1/ClusterRole", {"clusterroles", false}},
        {"rbac.authorization.k8s.io/v1/ClusterRoleBinding", {"clusterrolebindings", false}},
        {"rbac.authorization.k8s.io/v1/Role", {"roles", true}},
        {"rbac.authorization.k8s.io/v1/RoleBinding", {"rolebindings", true}},
        {"apiextensions.k8s.io/v1/CustomResourceDefinition", {"customresourcedefinitions", false}},
        {"apps.shapeblock.io/v1alpha1/Project", {"projects", false}},
        {"apps.shapeblock.io/v1alpha1/App", {"apps", true}},
        {"apps.shapeblock.io/v1alpha1/AppBuild", {"appbuilds", true}},
        {"apps.shapeblock.io/v1alpha1/Service", {"services", true}},
    };
    return kinds;
}

std::string string_at(const json::value& object, std::initializer_list<const char*> path) {
    const json::value* v = &object;
    for (const char* key : path) {
        const auto* obj = v->if_object();
        v = obj ? obj->if_contains(key) : nullptr;
        if (!v) return "";
    }
    return v->is_string() ? std::string(v->as_string()) : "";
}

std::string decode_base64(const std::string& encoded) {
    static const std::string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string decoded;
    int bits = 0, buffer = 0;
    for (char c : encoded) {
        auto pos = alphabet.find(c);
        if (pos == std::string::npos) continue;  // '=' padding
        buffer = ((buffer << 6) | static_cast<int>(pos)) & 0xffffff;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            decoded.push_back(static_cast<char>((buffer >> bits) & 0xff));
        }
    }
    return decoded;
}

}  // namespace

testenv::ProbeResponse KubeApi::call(const std::string& method, const std::string& path, const std::string& body) const {
    return testenv::https_request(cp_.port(), cp_.ca_pem(), {method, path, cp_.admin_token(), body});
}

std::string KubeApi::collection_path(const json::value& object) {
    auto api_version = string_at(object, {"apiVersion"});
    auto kind = string_at(object, {"kind"});
    auto it = known_kinds().find(api_version + "/" + kind);
    if (it == known_kinds().end())
        throw std::runtime_error("kube_api: unknown kind " + api_version + "/" + kind + " (add it to known_kinds)");
    std::string path = api_version.find('/') == std::string::npos ? "/api/" + api_version : "/apis/" + api_version;
    if (it->second.namespaced) {
        auto ns = string_at(object, {"metadata", "namespace"});
        if (ns.empty()) throw std::runtime_error("kube_api: " + kind + " without metadata.namespace");
        path += "/namespaces/" + ns;
    }
    return path + "/" + it->second.plural;
}

std::string KubeApi::object_path(const json::value& object) {
    return collection_path(object) + "/" + string_at(object, {"metadata", "name"});
}

testenv::ProbeResponse KubeApi::create(const json::value& object) const {
    return call("POST", collection_path(object), json::serialize(object));
}

testenv::ProbeResponse KubeApi::apply(const json::value& object) const {
    auto created = create(object);
    if (created.status != 409) return created;
    auto existing = get(object_path(object));
    json::value replacement = object;
    replacement.as_object()["metadata"].as_object()["resourceVersion"] =
        existing.at("metadata").at("resourceVersion");
    return call("PUT", object_path(object), json::serialize(replacement));
}

json::value KubeApi::get(const std::string& path) const {
    auto response = call("GET", path);
    if (response.status != 200)
        throw std::runtime_error("GET " + path + ": " + std::to_string(response.status) + " " + response.body);
    return json::parse(response.body);
}

testenv::ProbeResponse KubeApi::put_status(const json::value& object) const {
    return call("PUT", object_path(object) + "/status", json::serialize(object));
}

void KubeApi::ensure_namespace(const std::string& name) const {
    json::value ns = {{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", name}}}};
    auto response = create(ns);
    if (response.status != 201 && response.status != 409)
        throw std::runtime_error("creating namespace " + name + ": " + response.body);
}

testenv::ProbeResponse KubeApi::call_as(const std::string& token, const std::string& method, const std::string& path,
                                        const std::string& body) const {
    return testenv::https_request(cp_.port(), cp_.ca_pem(), {method, path, token, body});
}

std::string KubeApi::service_account_token(const std::string& ns, const std::string& name) const {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (std::chrono::steady_clock::now() < deadline) {
        auto secrets = get("/api/v1/namespaces/" + ns + "/secrets");
        for (const auto& secret : secrets.at("items").as_array()) {
            if (secret.at("type") != "kubernetes.io/service-account-token") continue;
            const auto* annotations = secret.at("metadata").as_object().if_contains("annotations");
            if (!annotations || string_at(*annotations, {"kubernetes.io/service-account.name"}) != name) continue;
            const auto* data = secret.as_object().if_contains("data");
            if (!data || !data->as_object().contains("token")) continue;
            return decode_base64(std::string(data->at("token").as_string()));
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    throw std::runtime_error("no token Secret for ServiceAccount " + ns + "/" + name + " after 30 s");
}

void KubeApi::wait_crd_established(const std::string& crd_name) const {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (std::chrono::steady_clock::now() < deadline) {
        auto crd = get("/apis/apiextensions.k8s.io/v1/customresourcedefinitions/" + crd_name);
        if (const auto* status = crd.as_object().if_contains("status")) {
            const auto* conditions = status->as_object().if_contains("conditions");
            if (conditions && conditions->is_array()) {
                for (const auto& c : conditions->as_array()) {
                    if (c.at("type") == "Established" && c.at("status") == "True") return;
                }
            }
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    throw std::runtime_error("CRD " + crd_name + " not Established after 30 s");
}

}  // namespace sb::deploytest
