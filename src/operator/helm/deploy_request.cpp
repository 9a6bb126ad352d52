#include "operator/helm/deploy_request.hpp"

#include <boost/json/array.hpp>

#include "operator/common/crd_types.hpp"

namespace sb::op::helm {

namespace json = boost::json;

std::string connection_secret_name(std::string_view service_name, const json::object* service) {
    if (service) {
        auto name = get_string(*service, "status.connectionSecretName");
        if (!name.empty()) return name;
    }
    return std::string(service_name) + "-connection";
}

std::vector<std::string> bound_services(const json::object& app) {
    std::vector<std::string> out;
    const auto* spec = find_object(app, "spec");
    if (!spec) return out;
    if (auto* list = spec->if_contains("services"); list && list->is_array())
        for (const auto& s : list->get_array())
            if (s.is_string()) out.emplace_back(s.get_string());
    return out;
}

DeployRequest deploy_request_for(const json::object& app, const json::object& appbuild, const std::string& image,
                                 std::vector<std::string> bound_secrets, const std::string& registry_secret) {
    DeployRequest r;
    r.app_name = get_string(app, "metadata.name");
    r.namespace_ = get_string(app, "metadata.namespace");
    r.build_name = get_string(appbuild, "metadata.name");
    r.image = image;
    r.port = get_int(app, "spec.port").value_or(8080);
    r.replicas = get_int(app, "spec.replicas").value_or(1);
    r.restarted_at = get_string(app, "spec.restartedAt");
    r.stopped = get_bool(app, "spec.stopped").value_or(false);
    if (const auto* a = find_object(app, "spec.autoscaling")) {
        Autoscaling scaling;
        scaling.min_replicas = get_int(*a, "minReplicas").value_or(1);
        scaling.max_replicas = get_int(*a, "maxReplicas").value_or(scaling.min_replicas);
        scaling.cpu_percent = get_int(*a, "targetCPUUtilizationPercentage");
        scaling.memory_percent = get_int(*a, "targetMemoryUtilizationPercentage");
        if (scaling.cpu_percent || scaling.memory_percent) r.autoscaling = scaling;
    }
    if (const auto* spec = find_object(app, "spec")) {
        if (auto* env = spec->if_contains("env"); env && env->is_array()) {
            for (const auto& e : env->get_array()) {
                if (!e.is_object()) continue;
                const auto& o = e.get_object();
                EnvVar v;
                v.name = get_string(o, "name");
                v.value = get_string(o, "value");
                v.secret_name = get_string(o, "valueFrom.secretKeyRef.name");
                v.secret_key = get_string(o, "valueFrom.secretKeyRef.key");
                if (!v.name.empty()) r.env.push_back(std::move(v));
            }
        }
        if (auto* domains = spec->if_contains("domains"); domains && domains->is_array())
            for (const auto& d : domains->get_array())
                if (d.is_string()) r.domains.emplace_back(d.get_string());
        if (const auto* res = find_object(app, "spec.resources")) r.resources = *res;
    }
    if (const auto* values = find_object(appbuild, "spec.helmValues")) r.helm_values = *values;
    r.env_secrets = std::move(bound_secrets);
    r.image_pull_secret = registry_secret;
    return r;
}

}  // namespace sb::op::helm
