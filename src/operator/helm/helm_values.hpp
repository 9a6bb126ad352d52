#pragma once
// The deploy of an app: a helm.cattle.io/v1 HelmChart (k3s helm-controller)
// whose valuesContent is written in nxs-universal-chart's (2.x) layout —
// deployments / services / ingresses / hpas keyed by name,
// generic.extraImagePullSecrets, defaultImage + defaultImageTag — then
// deep-merged with the user's helmValues (user values win). Pure functions.
//
// Each host gets an Ingress of its own with a TLS Secret of its own, so
// cert-manager's ingress-shim makes one Certificate per host (named like the
// Secret) and a host whose DNS is not ready fails only its own certificate.
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sb::op {
struct OperatorConfig;
}

namespace sb::op::helm {

struct DeployConfig {
    // The chart, pinned. repo may be an https chart repository or oci://.
    std::string chart_repo = "https://registry.nixys.io/chartrepo/public";
    std::string chart_name = "nxs-universal-chart";
    std::string chart_version = "2.8.3";
    std::string ingress_class = "traefik";
    std::string cluster_issuer = "letsencrypt-prod";  // "" = no TLS
    // Apps without domains get <app>-<namespace>.<default_domain>; "" = no ingress.
    std::string default_domain;
    std::int64_t backoff_limit = 3;       // helm-install Job retries
    std::string timeout = "10m0s";        // helm --timeout
    std::string failure_policy = "reinstall";
    bool probes = true;                   // TCP readiness/liveness probes on the app port
    // Container resources when the App gives none (small: most of a 4 GB node is for apps).
    std::string cpu_request = "50m", memory_request = "64Mi", memory_limit = "512Mi";
};

DeployConfig deploy_config_from(const OperatorConfig& config);

// App.spec.autoscaling: an autoscaling/v2 HorizontalPodAutoscaler.
struct Autoscaling {
    std::int64_t min_replicas = 1;
    std::int64_t max_replicas = 1;
    std::optional<std::int64_t> cpu_percent;     // targetCPUUtilizationPercentage
    std::optional<std::int64_t> memory_percent;  // targetMemoryUtilizationPercentage
};

struct EnvVar {
    std::string name;
    std::string value;
    std::string secret_name;  // valueFrom.secretKeyRef when set
    std::string secret_key;
};

struct DeployRequest {
    std::string app_name;
    std::string namespace_;
    std::string build_name;           // recorded on the HelmChart
    std::string image;                // repository[:tag][@digest]
    std::int64_t port = 8080;
    std::int64_t replicas = 1;
    bool stopped = false;                     // zero replicas, no autoscaler
    std::string restarted_at;                 // pod-template annotation; a change rolls the pods
    std::optional<Autoscaling> autoscaling;
    std::vector<EnvVar> env;
    boost::json::object resources;    // App.spec.resources; empty = defaults
    std::vector<std::string> domains;
    std::vector<std::string> env_secrets;  // connection secrets of bound services (envFrom)
    std::string image_pull_secret;    // registry credentials; "" = none
    boost::json::object helm_values;  // AppBuild.spec.helmValues
};

// Splits an image reference into the chart's defaultImage and defaultImageTag
// ("reg:5000/p/a:v1@sha256:..." -> {"reg:5000/p/a", "v1@sha256:..."}); the
// tag defaults to "latest".
std::pair<std::string, std::string> split_image(std::string_view image);

// Objects are merged key by key; anything else in overlay replaces base.
boost::json::value deep_merge(const boost::json::value& base, const boost::json::value& overlay);

// The chart values (generated, user intent translated, user values merged on top).
boost::json::object chart_values(const DeployRequest& request, const DeployConfig& config);

// Pod-template annotation carrying App.spec.restartedAt.
inline constexpr std::string_view kRestartedAtAnnotation = "shapeblock.io/restartedAt";

// "<app>-<namespace>.<default_domain>", "" without a default domain.
std::string default_host(std::string_view app, std::string_view namespace_, const DeployConfig& config);

// One served host: its Ingress and, with a cluster issuer, its TLS Secret
// (which is also the name of the Certificate ingress-shim makes for it).
struct AppHost {
    std::string host;
    bool is_default = false;
    std::string ingress_name;
    std::string tls_secret;  // "" without a cluster issuer
};

// "<app>-<host>" ("*." spelled "wildcard."), or "<app>-<hash of host>" when
// that would pass the chart's 63-character name limit.
std::string host_ingress_name(std::string_view app, std::string_view host);

// The hosts the app is served on: domains, ingress.hosts from helmValues,
// then the default host (always, when there is a default domain); none when
// helmValues say ingress.enabled: false.
std::vector<AppHost> app_host_plan(const DeployRequest& request, const DeployConfig& config);
std::vector<std::string> app_hosts(const DeployRequest& request, const DeployConfig& config);
// "https://<first host>" ("http://" without a cluster issuer), "" without hosts.
std::string app_url(const DeployRequest& request, const DeployConfig& config);

// The HelmChart object, owned by `app` (so deleting the App uninstalls it).
boost::json::object helm_chart(const DeployRequest& request, const DeployConfig& config, const boost::json::object& app);

// Indented JSON (valid YAML) for valuesContent: readable with kubectl.
std::string values_text(const boost::json::value& values);

}  // namespace sb::op::helm
