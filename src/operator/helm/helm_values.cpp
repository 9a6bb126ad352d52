#include "operator/helm/helm_values.hpp"

#include <boost/json/array.hpp>
#include <boost/json/serialize.hpp>
#include <algorithm>
#include <cstdio>
#include <optional>

#include "operator/common/operator_config.hpp"

namespace sb::op::helm {

namespace json = boost::json;

namespace {

constexpr std::string_view kContainerName = "app";
constexpr std::string_view kPortName = "http";
constexpr std::int64_t kServicePort = 80;
// The chart truncates object names to 63 characters.
constexpr std::size_t kMaxChartName = 63;

// The chart writes `replicas: {{ .replicas | default 1 }}`, and an integer 0
// is "empty" to the template's default: zero goes as the string "0".
json::value replicas_value(std::int64_t n) { return n == 0 ? json::value("0") : json::value(n); }

json::object utilization_metric(std::string_view resource, std::int64_t percent) {
    return {{"type", "Resource"},
            {"resource", {{"name", resource}, {"target", {{"type", "Utilization"}, {"averageUtilization", percent}}}}}};
}

// The chart's targetCPU/targetMemory shorthand writes the autoscaling/v2beta1
// form (targetAverageUtilization), which no current cluster serves: the
// metrics go in the v2 form instead.
json::object hpa_values(const std::string& deployment, const Autoscaling& a) {
    json::array metrics;
    if (a.cpu_percent) metrics.push_back(utilization_metric("cpu", *a.cpu_percent));
    if (a.memory_percent) metrics.push_back(utilization_metric("memory", *a.memory_percent));
    return {{"apiVersion", "autoscaling/v2"},
            {"scaleTargetRef", {{"apiVersion", "apps/v1"}, {"kind", "Deployment"}, {"name", deployment}}},
            {"minReplicas", a.min_replicas},
            {"maxReplicas", a.max_replicas},
            {"metrics", std::move(metrics)}};
}

void add_unique(std::vector<std::string>& list, std::string value) {
    if (!value.empty() && std::find(list.begin(), list.end(), value) == list.end()) list.push_back(std::move(value));
}

// The user's helmValues speak in the common chart vocabulary (replicaCount,
// env, ingress.hosts, resources, service.port, image): these keys are
// translated; everything else is passed to the chart as is.
struct UserIntent {
    std::optional<std::int64_t> replicas;
    json::object env;                  // name -> value
    std::optional<bool> ingress_enabled;
    std::vector<std::string> ingress_hosts;
    std::string ingress_class;
    json::object resources;
    std::optional<std::int64_t> port;
    json::object passthrough;
};

std::optional<std::int64_t> as_int(const json::value& v) {
    if (v.is_int64()) return v.get_int64();
    if (v.is_uint64()) return static_cast<std::int64_t>(v.get_uint64());
    if (v.is_double()) return static_cast<std::int64_t>(v.get_double());
    if (v.is_string()) {
        try {
            return std::stoll(std::string(v.get_string()));
        } catch (...) {
            return std::nullopt;
        }
    }
    return std::nullopt;
}

std::string scalar_text(const json::value& v) {
    if (v.is_string()) return std::string(v.get_string());
    if (v.is_null()) return "";
    return json::serialize(v);
}

UserIntent read_intent(const json::object& user) {
    UserIntent intent;
    for (const auto& [key, value] : user) {
        if (key == "replicaCount" && as_int(value)) {
            intent.replicas = as_int(value);
        } else if (key == "env" && value.is_object()) {
            for (const auto& [name, v] : value.get_object()) intent.env[name] = scalar_text(v);
        } else if (key == "env" && value.is_array()) {
            // [{name, value}] as in a pod spec
            for (const auto& item : value.get_array()) {
                if (!item.is_object()) continue;
                const auto& o = item.get_object();
                if (auto* n = o.if_contains("name"); n && n->is_string())
                    intent.env[n->get_string()] = o.contains("value") ? scalar_text(o.at("value")) : "";
            }
        } else if (key == "ingress" && value.is_object()) {
            const auto& ing = value.get_object();
            if (auto* e = ing.if_contains("enabled"); e && e->is_bool()) intent.ingress_enabled = e->get_bool();
            if (auto* c = ing.if_contains("className"); c && c->is_string()) intent.ingress_class = c->get_string();
            if (auto* hosts = ing.if_contains("hosts"); hosts && hosts->is_array()) {
                for (const auto& h : hosts->get_array()) {
                    if (h.is_string()) add_unique(intent.ingress_hosts, std::string(h.get_string()));
                    else if (h.is_object() && h.get_object().contains("host") && h.get_object().at("host").is_string())
                        add_unique(intent.ingress_hosts, std::string(h.get_object().at("host").get_string()));
                }
            }
        } else if (key == "resources" && value.is_object()) {
            intent.resources = value.get_object();
        } else if (key == "service" && value.is_object() && value.get_object().contains("port") &&
                   value.get_object().size() == 1) {
            intent.port = as_int(value.get_object().at("port"));
        } else {
            intent.passthrough[key] = value;
        }
    }
    return intent;
}

json::object tcp_probe(std::int64_t initial_delay, std::int64_t period, std::int64_t failures) {
    return {{"tcpSocket", {{"port", kPortName}}},
            {"initialDelaySeconds", initial_delay},
            {"periodSeconds", period},
            {"failureThreshold", failures}};
}

json::array container_env(const DeployRequest& r, const UserIntent& intent, std::int64_t port) {
    json::array env;
    std::vector<std::string> seen;
    auto push = [&](json::object e) {
        std::string name(e.at("name").as_string());
        // A later definition of the same name replaces the earlier one.
        for (auto& existing : env)
            if (existing.as_object().at("name").as_string() == name) {
                existing = std::move(e);
                return;
            }
        env.push_back(std::move(e));
    };
    push({{"name", "PORT"}, {"value", std::to_string(port)}});
    for (const auto& e : r.env) {
        if (!e.secret_name.empty())
            push({{"name", e.name},
                  {"valueFrom", {{"secretKeyRef", {{"name", e.secret_name}, {"key", e.secret_key}}}}}});
        else
            push({{"name", e.name}, {"value", e.value}});
    }
    for (const auto& [name, value] : intent.env) push({{"name", name}, {"value", value}});
    return env;
}

}  // namespace

DeployConfig deploy_config_from(const OperatorConfig& config) {
    DeployConfig c;
    c.chart_repo = config.chart_repo;
    c.chart_name = config.chart_name;
    c.chart_version = config.chart_version;
    c.ingress_class = config.ingress_class;
    c.cluster_issuer = config.cluster_issuer;
    c.default_domain = config.default_domain;
    return c;
}

std::pair<std::string, std::string> split_image(std::string_view image) {
    std::string_view name = image, digest;
    if (auto at = image.find('@'); at != std::string_view::npos) {
        name = image.substr(0, at);
        digest = image.substr(at);
    }
    std::string repository(name), tag;
    auto last_slash = name.rfind('/');
    auto colon = name.rfind(':');
    if (colon != std::string_view::npos && (last_slash == std::string_view::npos || colon > last_slash)) {
        repository = std::string(name.substr(0, colon));
        tag = std::string(name.substr(colon + 1));
    }
    if (tag.empty()) tag = "latest";
    return {repository, tag + std::string(digest)};
}

json::value deep_merge(const json::value& base, const json::value& overlay) {
    if (!base.is_object() || !overlay.is_object()) return overlay;
    json::object merged = base.get_object();
    for (const auto& [key, value] : overlay.get_object()) {
        if (auto* existing = merged.if_contains(key)) *existing = deep_merge(*existing, value);
        else merged[key] = value;
    }
    return merged;
}

std::string default_host(std::string_view app, std::string_view namespace_, const DeployConfig& c) {
    if (c.default_domain.empty()) return {};
    return std::string(app) + "-" + std::string(namespace_) + "." + c.default_domain;
}

std::string host_ingress_name(std::string_view app, std::string_view host) {
    std::string name(app);
    name += "-";
    if (host.rfind("*.", 0) == 0) {
        name += "wildcard";
        host.remove_prefix(1);
    }
    name += host;
    if (name.size() <= kMaxChartName) return name;
    // FNV-1a: stable across builds and platforms, unlike std::hash.
    std::uint64_t hash = 14695981039346656037ull;
    for (unsigned char ch : host) hash = (hash ^ ch) * 1099511628211ull;
    char hex[17];
    std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(hash));
    std::string prefix(app.substr(0, kMaxChartName - 11));
    return prefix + "-" + std::string(hex, 10);
}

std::vector<AppHost> app_host_plan(const DeployRequest& r, const DeployConfig& c) {
    const auto intent = read_intent(r.helm_values);
    if (intent.ingress_enabled == false) return {};
    std::vector<std::string> hosts;
    for (const auto& d : r.domains) add_unique(hosts, d);
    for (const auto& h : intent.ingress_hosts) add_unique(hosts, h);
    const auto generated = default_host(r.app_name, r.namespace_, c);
    add_unique(hosts, generated);
    std::vector<AppHost> plan;
    for (auto& h : hosts) {
        AppHost host{.host = h, .is_default = h == generated, .ingress_name = host_ingress_name(r.app_name, h)};
        if (!c.cluster_issuer.empty()) host.tls_secret = host.ingress_name + "-tls";
        plan.push_back(std::move(host));
    }
    return plan;
}

std::vector<std::string> app_hosts(const DeployRequest& r, const DeployConfig& c) {
    std::vector<std::string> hosts;
    for (auto& h : app_host_plan(r, c)) hosts.push_back(std::move(h.host));
    return hosts;
}

std::string app_url(const DeployRequest& r, const DeployConfig& c) {
    auto hosts = app_hosts(r, c);
    if (hosts.empty()) return {};
    std::string host = hosts.front();
    if (host.rfind("*.", 0) == 0) return {};  // a wildcard names no single URL
    return (c.cluster_issuer.empty() ? "http://" : "https://") + host;
}

// Long on purpose: the chart's values are one document read top to bottom
// against the chart's values.yaml; the parts with logic are helpers above.
json::object chart_values(const DeployRequest& r, const DeployConfig& c) {
    const auto intent = read_intent(r.helm_values);
    const auto [repository, tag] = split_image(r.image);
    const std::int64_t port = intent.port.value_or(r.port);
    // Stopped: nothing runs and no autoscaler starts anything. Autoscaled: the
    // chart always writes spec.replicas, so it is the autoscaler's minimum
    // (each helm upgrade sets the Deployment back to it; the autoscaler then
    // scales up again within its sync period).
    const bool autoscaled = r.autoscaling && !r.stopped;
    std::int64_t replicas = intent.replicas.value_or(r.replicas);
    if (autoscaled) replicas = r.autoscaling->min_replicas;
    if (r.stopped) replicas = 0;

    json::object resources = r.resources;
    if (resources.empty())
        resources = {{"requests", {{"cpu", c.cpu_request}, {"memory", c.memory_request}}},
                     {"limits", {{"memory", c.memory_limit}}}};
    if (!intent.resources.empty()) resources = deep_merge(resources, intent.resources).as_object();

    json::object container{
        {"name", kContainerName},
        {"ports", json::array{{{"name", kPortName}, {"containerPort", port}, {"protocol", "TCP"}}}},
        {"env", container_env(r, intent, port)},
        {"resources", std::move(resources)},
    };
    if (!r.env_secrets.empty()) {
        json::array from;
        for (const auto& s : r.env_secrets) from.push_back(json::object{{"secretRef", {{"name", s}}}});
        container["envFrom"] = std::move(from);
    }
    if (c.probes) {
        container["readinessProbe"] = tcp_probe(2, 5, 3);
        container["livenessProbe"] = tcp_probe(30, 20, 6);
    }

    json::object deployment{{"replicas", replicas_value(replicas)},
                            {"podLabels", {{"shapeblock.io/app", r.app_name}}},
                            {"containers", json::array{std::move(container)}}};
    if (!r.restarted_at.empty())
        deployment["podAnnotations"] = json::object{{kRestartedAtAnnotation, r.restarted_at}};

    json::object values{
        // Resources are named exactly after their key (no release prefix).
        {"releasePrefix", "-"},
        {"defaultImage", repository},
        {"defaultImageTag", tag},
        {"defaultImagePullPolicy", "IfNotPresent"},
        {"generic",
         {{"labels", {{"shapeblock.io/app", r.app_name}}},
          {"extraImagePullSecrets",
           r.image_pull_secret.empty() ? json::array{} : json::array{{{"name", r.image_pull_secret}}}}}},
        {"deployments",
         {{r.app_name, std::move(deployment)}}},
        {"services",
         {{r.app_name,
           {{"type", "ClusterIP"},
            {"ports", json::array{{{"name", kPortName}, {"port", kServicePort}, {"targetPort", port}, {"protocol", "TCP"}}}}}}}},
    };

    const auto& ingress_class = intent.ingress_class.empty() ? c.ingress_class : intent.ingress_class;
    json::object ingresses;
    for (const auto& h : app_host_plan(r, c)) {
        json::object ingress{
            {"name", h.ingress_name},
            {"ingressClassName", ingress_class},
            {"hosts", json::array{{{"hostname", h.host},
                                   {"paths", json::array{{{"path", "/"},
                                                          {"serviceName", r.app_name},
                                                          {"servicePort", kServicePort}}}}}}}};
        // ingress-shim's annotation: cert-manager makes the Certificate named
        // after the TLS Secret (the chart appends "-tls" to tlsName).
        if (!h.tls_secret.empty()) {
            ingress["certManager"] = json::object{{"issuerType", "cluster-issuer"}, {"originalIssuerName", c.cluster_issuer}};
            ingress["tlsName"] = h.ingress_name;
        }
        ingresses[h.host] = std::move(ingress);
    }
    if (!ingresses.empty()) values["ingresses"] = std::move(ingresses);
    if (autoscaled) values["hpas"] = json::object{{r.app_name, hpa_values(r.app_name, *r.autoscaling)}};
    return deep_merge(values, intent.passthrough).as_object();
}

json::object helm_chart(const DeployRequest& r, const DeployConfig& c, const json::object& app) {
    const auto& meta = app.at("metadata").as_object();
    json::object owner{{"apiVersion", app.contains("apiVersion") ? app.at("apiVersion") : json::value("apps.shapeblock.io/v1alpha1")},
                       {"kind", "App"},
                       {"name", meta.at("name")},
                       {"uid", meta.contains("uid") ? meta.at("uid") : json::value("")},
                       {"controller", true},
                       {"blockOwnerDeletion", true}};
    json::object spec{
        {"chart", c.chart_name},
        {"version", c.chart_version},
        {"targetNamespace", r.namespace_},
        {"valuesContent", values_text(chart_values(r, c))},
        {"backOffLimit", c.backoff_limit},
        {"timeout", c.timeout},
        {"failurePolicy", c.failure_policy},
    };
    // An oci:// reference names the chart itself; an https repository is searched by chart name.
    if (c.chart_repo.rfind("oci://", 0) == 0) spec["chart"] = c.chart_repo + "/" + c.chart_name;
    else spec["repo"] = c.chart_repo;

    return json::object{
        {"apiVersion", "helm.cattle.io/v1"},
        {"kind", "HelmChart"},
        {"metadata",
         {{"name", r.app_name},
          {"namespace", r.namespace_},
          {"labels",
           {{"app.kubernetes.io/managed-by", "shapeblock"}, {"shapeblock.io/app", r.app_name}}},
          {"annotations", {{"shapeblock.io/build", r.build_name}, {"shapeblock.io/image", r.image}}},
          {"ownerReferences", json::array{std::move(owner)}}}},
        {"spec", std::move(spec)},
    };
}

namespace {
void indent_json(std::string& out, const json::value& v, int depth) {
    const std::string pad(static_cast<std::size_t>(depth) * 2, ' ');
    const std::string inner(static_cast<std::size_t>(depth + 1) * 2, ' ');
    if (v.is_object() && !v.get_object().empty()) {
        out += "{\n";
        bool first = true;
        for (const auto& [k, val] : v.get_object()) {
            if (!first) out += ",\n";
            first = false;
            out += inner + json::serialize(json::value(k)) + ": ";
            indent_json(out, val, depth + 1);
        }
        out += "\n" + pad + "}";
    } else if (v.is_array() && !v.get_array().empty()) {
        out += "[\n";
        bool first = true;
        for (const auto& val : v.get_array()) {
            if (!first) out += ",\n";
            first = false;
            out += inner;
            indent_json(out, val, depth + 1);
        }
        out += "\n" + pad + "]";
    } else {
        out += json::serialize(v);
    }
}
}  // namespace

std::string values_text(const json::value& values) {
    std::string out;
    indent_json(out, values, 0);
    out += "\n";
    return out;
}

}  // namespace sb::op::helm
