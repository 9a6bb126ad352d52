#pragma once
// Configuration of shapeblock-operator. Every setting can be given, in
// increasing order of precedence, in a YAML config file (--config, keys as
// the long flag names without dashes, e.g. `registry-secret-name: x`), in an
// environment variable (SB_OPERATOR_<FLAG IN UPPER SNAKE CASE>), or as a
// command-line flag. Defaults fit a single-node k3s cluster.
#include <chrono>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "operator/common/build_images.hpp"

namespace sb::op {

class ConfigError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

struct ResourceLimits {
    std::string cpu_request, cpu_limit, memory_request, memory_limit;
};

struct OperatorConfig {
    // Cluster access: a kubeconfig file (and context), otherwise in-cluster.
    std::string kubeconfig;
    std::string context;
    double api_qps = 50.0;
    int api_burst = 100;

    // Registry credentials copied into every project namespace.
    std::string registry_secret_namespace = "shapeblock";
    std::string registry_secret_name = "registry-credentials";
    // Registry used when an App names none (host[:port][/path]).
    std::string default_registry;

    // Builds (used by the AppBuild controller).
    // Pinned in build_images.hpp. The kaniko image must have a shell
    // (/busybox/sh): the -debug variant.
    std::string git_image{build_images::git};
    std::string kaniko_image{build_images::kaniko};
    std::string buildah_image{build_images::buildah};
    std::string buildpack_builder_image{build_images::buildpack_builder};
    std::string source_image{build_images::source};  // this operator's image: fetch-source runs in build pods
    std::string dockerfile_builder = "kaniko";  // kaniko | buildah
    // Registries (host[:port]) reached over plain HTTP or with an untrusted
    // certificate: builds push and pull there without TLS verification.
    std::vector<std::string> insecure_registries;
    ResourceLimits build_resources{"500m", "2", "1Gi", "2Gi"};
    std::int64_t build_deadline_seconds = 1800;
    std::int64_t build_ttl_seconds = 86400;  // a finished build's pod (and its log) stays this long
    int build_history_limit = 10;            // finished AppBuilds kept per app
    bool build_cache = true;                 // layer cache in the registry (<repository>/cache)
    int max_concurrent_builds = 0;           // build Jobs running at once in the cluster; 0: no limit

    // Deploys (HelmChart objects for k3s helm-controller).
    std::string chart_repo = "https://registry.nixys.io/chartrepo/public";
    std::string chart_name = "nxs-universal-chart";
    std::string chart_version = "2.8.3";
    std::string ingress_class = "traefik";
    std::string cluster_issuer = "letsencrypt-prod";  // "" = plain HTTP, no certificates
    // Every app is also served on <app>-<project>.<default_domain>; "" = only its own domains.
    std::string default_domain;

    // Projects.
    bool network_policy_default = true;
    // Namespaces whose pods (the ingress controller) may reach project pods.
    std::vector<std::string> ingress_namespaces{"kube-system", "ingress-nginx", "traefik"};
    // LimitRange defaults for containers in projects that have a quota.
    ResourceLimits container_defaults{"50m", "500m", "64Mi", "512Mi"};

    // The agent link to the control-plane server (docs/agent-protocol.md);
    // off when server_url is empty.
    std::string server_url;
    std::string agent_token;     // from the agent Secret (SB_OPERATOR_AGENT_TOKEN); never logged
    std::string server_ca_file;  // trust only this CA for the server
    std::string cluster_id;      // default: the kube-system namespace's uid

    // Runtime.
    int concurrency = 4;  // workers per controller
    std::string log_level = "info";
    std::string log_format = "json";
    std::string metrics_address = "0.0.0.0:8080";  // /metrics, /healthz, /readyz; "" disables
    bool leader_elect = true;
    std::string lease_namespace = "shapeblock";
    std::string lease_name = "shapeblock-operator";
    std::string identity;  // default: hostname + pid
    bool install_crds = false;

    // Throws ConfigError naming the setting when a value is out of range.
    void validate() const;
};

// Reads argv (and the environment and the --config file) into a config.
// Returns false when the program should exit at once (--help, --version,
// --print-config); `exit_code` then holds the code. Throws ConfigError on
// bad input, and on an SB_OPERATOR_* environment variable no setting reads.
bool parse_operator_config(int argc, const char* const* argv, OperatorConfig& config, int& exit_code);

// The settings as one JSON object keyed by flag name (what --print-config
// prints); secrets (the agent token) only as "set" or "".
std::string config_json(const OperatorConfig& config);

// The port of a "host:port" address, when it is one from 0 (any free port) to 65535.
std::optional<int> metrics_port(std::string_view address);

// Applies a YAML config document (a map of flag names to values).
void apply_config_yaml(OperatorConfig& config, std::string_view yaml, std::string_view source_name);

}  // namespace sb::op
