#include "operator/common/operator_config.hpp"

#include <yaml-cpp/yaml.h>

#include <CLI/CLI.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/json.hpp>
#include <boost/url/parse.hpp>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <iostream>
#include <set>
#include <sstream>
#include <variant>

extern char** environ;

namespace sb::op {

namespace {

using Target = std::variant<std::string*, int*, double*, bool*, std::int64_t*, std::vector<std::string>*>;

struct Setting {
    std::string name;  // flag name without dashes
    std::string help;
    Target target;
    bool secret = false;  // --print-config shows only whether it is set
};

std::vector<Setting> settings_of(OperatorConfig& c) {
    return {
        {"kubeconfig", "kubeconfig file (default: in-cluster, else KUBECONFIG / ~/.kube/config)", &c.kubeconfig},
        {"context", "kubeconfig context (default: its current-context)", &c.context},
        {"api-qps", "client-side limit of API requests per second", &c.api_qps},
        {"api-burst", "client-side burst of API requests", &c.api_burst},
        {"registry-secret-namespace", "namespace of the registry secret copied into projects", &c.registry_secret_namespace},
        {"registry-secret-name", "name of the registry secret copied into projects", &c.registry_secret_name},
        {"default-registry", "registry for apps that name none (host[:port][/path])", &c.default_registry},
        {"git-image", "image of the git clone init container", &c.git_image},
        {"kaniko-image", "kaniko image for dockerfile builds (needs /busybox/sh: a -debug variant)", &c.kaniko_image},
        {"buildah-image", "buildah image for dockerfile builds", &c.buildah_image},
        {"buildpack-builder-image", "default Cloud Native Buildpacks builder image", &c.buildpack_builder_image},
        {"source-image", "image whose `shapeblock-operator fetch-source` unpacks an uploaded source in the build pod (the operator's own)",
         &c.source_image},
        {"dockerfile-builder", "default dockerfile builder: kaniko or buildah", &c.dockerfile_builder},
        {"insecure-registries", "registries (host:port) builds reach over plain HTTP or without TLS verification (repeat or comma-separate)",
         &c.insecure_registries},
        {"build-cpu-request", "CPU request of build containers", &c.build_resources.cpu_request},
        {"build-cpu-limit", "CPU limit of build containers", &c.build_resources.cpu_limit},
        {"build-memory-request", "memory request of build containers", &c.build_resources.memory_request},
        {"build-memory-limit", "memory limit of build containers", &c.build_resources.memory_limit},
        {"build-deadline-seconds", "activeDeadlineSeconds of build Jobs", &c.build_deadline_seconds},
        {"build-ttl-seconds", "ttlSecondsAfterFinished of build Jobs: how long a build's pod and log stay",
         &c.build_ttl_seconds},
        {"build-history-limit", "finished AppBuilds kept per app (older ones and their Jobs are deleted)",
         &c.build_history_limit},
        {"build-cache", "keep a layer cache in the registry (<repository>/cache)", &c.build_cache},
        {"max-concurrent-builds", "build Jobs running at once in the cluster; more wait Pending (0: no limit)",
         &c.max_concurrent_builds},
        {"chart-repo", "Helm chart repository (https:// or oci://) for app deploys", &c.chart_repo},
        {"chart-name", "Helm chart for app deploys", &c.chart_name},
        {"chart-version", "pinned version of the deploy chart", &c.chart_version},
        {"ingress-class", "ingressClassName of app Ingresses", &c.ingress_class},
        {"cluster-issuer", "cert-manager ClusterIssuer for app TLS (empty: plain HTTP, no certificates)", &c.cluster_issuer},
        {"default-domain", "wildcard base domain: every app is also served on <app>-<project>.<default-domain> (empty: none)",
         &c.default_domain},
        {"network-policy-default", "give projects the isolating NetworkPolicy unless spec.networkPolicy.enabled says otherwise",
         &c.network_policy_default},
        {"ingress-namespaces", "namespaces of the ingress controller, allowed into every project (repeat or comma-separate)",
         &c.ingress_namespaces},
        {"container-cpu-request", "default container CPU request in projects with a quota", &c.container_defaults.cpu_request},
        {"container-cpu-limit", "default container CPU limit in projects with a quota", &c.container_defaults.cpu_limit},
        {"container-memory-request", "default container memory request in projects with a quota",
         &c.container_defaults.memory_request},
        {"container-memory-limit", "default container memory limit in projects with a quota",
         &c.container_defaults.memory_limit},
        {"server-url", "the ShapeBlock server this cluster's agent link connects to (https://; http:// only on loopback; empty: no link)",
         &c.server_url},
        {"agent-token", "the cluster's agent token (set it through SB_OPERATOR_AGENT_TOKEN from a Secret)", &c.agent_token,
         true},
        {"server-ca-file", "PEM file of the only CA trusted for the server's certificate (default: the system's)",
         &c.server_ca_file},
        {"cluster-id", "this cluster's id on the server (default: the kube-system namespace's uid)", &c.cluster_id},
        {"concurrency", "reconcile workers per controller", &c.concurrency},
        {"log-level", "debug, info, warn or error", &c.log_level},
        {"log-format", "json or text", &c.log_format},
        {"metrics-address", "host:port of /metrics, /healthz and /readyz (empty disables)", &c.metrics_address},
        {"leader-elect", "elect a leader through a Lease so only one replica reconciles", &c.leader_elect},
        {"lease-namespace", "namespace of the leader election Lease", &c.lease_namespace},
        {"lease-name", "name of the leader election Lease", &c.lease_name},
        {"identity", "leader election identity (default: hostname and pid)", &c.identity},
        {"install-crds", "apply the embedded ShapeBlock CRDs at start", &c.install_crds},
    };
}

std::string env_name(std::string_view flag) {
    std::string out = "SB_OPERATOR_";
    for (char ch : flag) out += ch == '-' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    return out;
}

// What a setting of that type takes, for error messages.
std::string expected_value(const Target& target) {
    return std::visit(
        [](auto* p) -> std::string {
            using T = std::remove_pointer_t<decltype(p)>;
            if constexpr (std::is_same_v<T, bool>) return "true or false";
            else if constexpr (std::is_same_v<T, int> || std::is_same_v<T, std::int64_t>) return "a whole number";
            else if constexpr (std::is_same_v<T, double>) return "a number";
            else if constexpr (std::is_same_v<T, std::vector<std::string>>) return "a comma-separated list";
            else return "a text value";
        },
        target);
}

bool parse_bool(const std::string& text, const std::string& where) {
    if (text == "true" || text == "1" || text == "yes" || text == "on") return true;
    if (text == "false" || text == "0" || text == "no" || text == "off") return false;
    throw ConfigError(where + ": expected true or false, got '" + text + "'");
}

std::vector<std::string> split_list(const std::string& text) {
    std::vector<std::string> out;
    std::stringstream ss(text);
    std::string item;
    while (std::getline(ss, item, ','))
        if (!item.empty()) out.push_back(item);
    return out;
}

void assign_yaml(const Target& target, const YAML::Node& node, const std::string& where) {
    try {
        std::visit(
            [&](auto* p) {
                using T = std::remove_pointer_t<decltype(p)>;
                if constexpr (std::is_same_v<T, std::vector<std::string>>) {
                    if (node.IsSequence()) *p = node.as<std::vector<std::string>>();
                    else *p = split_list(node.as<std::string>());
                } else if constexpr (std::is_same_v<T, bool>) {
                    *p = parse_bool(node.as<std::string>(), where);
                } else {
                    if (!node.IsScalar()) throw ConfigError(where + ": expected a single value");
                    *p = node.as<T>();
                }
            },
            target);
    } catch (const YAML::Exception& e) {
        throw ConfigError(where + ": expected " + expected_value(target) + " (" + e.what() + ")");
    }
}

bool given_on_command_line(int argc, const char* const* argv, const std::string& flag) {
    for (int i = 1; i < argc; ++i) {
        std::string_view arg = argv[i];
        if (arg == flag || (arg.starts_with(flag) && arg.size() > flag.size() && arg[flag.size()] == '=')) return true;
    }
    return false;
}

// An environment variable's value must convert as its flag's would (CLI11's
// conversion): checked here so the error names the variable, not only the flag.
void check_environment(int argc, const char* const* argv, const std::vector<Setting>& settings) {
    for (const auto& s : settings) {
        if (given_on_command_line(argc, argv, "--" + s.name)) continue;
        const auto name = env_name(s.name);
        const char* value = std::getenv(name.c_str());
        if (!value) continue;
        const std::string text(value);
        const auto where = name + " (--" + s.name + ")";
        std::visit(
            [&](auto* p) {
                using T = std::remove_pointer_t<decltype(p)>;
                if constexpr (std::is_arithmetic_v<T>) {
                    T parsed{};
                    if (!CLI::detail::lexical_cast(text, parsed))
                        throw ConfigError(where + ": expected " + expected_value(s.target) + ", got '" + text + "'");
                }
            },
            s.target);
    }
}

// CLI11 takes an empty environment variable for an unset one, but an empty
// text setting means something ("" cluster-issuer: plain HTTP, no
// certificates), and a chart writes `value: ""` to ask for it.
void apply_empty_environment(int argc, const char* const* argv, const std::vector<Setting>& settings) {
    for (const auto& s : settings) {
        auto* text = std::get_if<std::string*>(&s.target);
        if (!text || given_on_command_line(argc, argv, "--" + s.name)) continue;
        const char* value = std::getenv(env_name(s.name).c_str());
        if (value && *value == '\0') (*text)->clear();
    }
}

// Every SB_OPERATOR_* variable must be one a setting reads: a misspelt one
// (a chart typo) would otherwise be ignored without a word.
void refuse_unknown_environment(const std::vector<Setting>& settings) {
    std::set<std::string> known{"SB_OPERATOR_CONFIG"};
    for (const auto& s : settings) known.insert(env_name(s.name));
    for (char** entry = environ; entry && *entry; ++entry) {
        const std::string_view text(*entry);
        const auto name = std::string(text.substr(0, text.find('=')));
        if (name.starts_with("SB_OPERATOR_") && !known.count(name))
            throw ConfigError("environment variable " + name +
                              " is not a setting of the operator (misspelt? the settings are SB_OPERATOR_<FLAG> for "
                              "the flags in --help); unset it");
    }
}

bool loopback_host(std::string host) {
    if (host == "localhost") return true;
    if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
    boost::system::error_code ec;
    const auto address = boost::asio::ip::make_address(host, ec);
    return !ec && address.is_loopback();
}

// https:// or wss://; http:// or ws:// only to this machine, as the agent
// token would otherwise cross the network in clear text.
void check_server_url(const std::string& server_url) {
    const auto url = boost::urls::parse_uri(server_url);
    if (!url || url->host().empty())
        throw ConfigError("server-url must be a URL such as https://shapeblock.example.com, got '" + server_url + "'");
    const auto scheme = url->scheme();
    if (scheme == "https" || scheme == "wss") return;
    if (scheme != "http" && scheme != "ws")
        throw ConfigError("server-url must be an https:// URL (http:// only on loopback), got '" + server_url + "'");
    if (!loopback_host(std::string(url->host())))
        throw ConfigError("server-url: " + std::string(scheme) + ":// only to a loopback host (127.0.0.1, ::1, "
                          "localhost), as the agent token would cross the network in clear text; use https://, got '" +
                          server_url + "'");
}

boost::json::value printable_value(const Setting& s) {
    return std::visit(
        [&](auto* p) -> boost::json::value {
            using T = std::remove_pointer_t<decltype(p)>;
            if constexpr (std::is_same_v<T, std::string>) {
                if (s.secret) return p->empty() ? "" : "set";
                return boost::json::value(*p);
            } else if constexpr (std::is_same_v<T, std::vector<std::string>>) {
                boost::json::array items;
                for (const auto& item : *p) items.emplace_back(item);
                return items;
            } else if constexpr (std::is_same_v<T, double>) {
                // Boost.JSON writes 50.0 as 5E1: a whole number reads better as one.
                if (*p == std::floor(*p) && std::abs(*p) < 1e15) return static_cast<std::int64_t>(*p);
                return *p;
            } else {
                return boost::json::value(*p);
            }
        },
        s.target);
}

// CLI11's message, with what the flag it names expects.
std::string explain_parse_error(const CLI::ParseError& e, const std::vector<Setting>& settings) {
    std::string message = e.what();
    for (const auto& s : settings) {
        const auto flag = "--" + s.name;
        for (auto at = message.find(flag); at != std::string::npos; at = message.find(flag, at + 1)) {
            const auto end = at + flag.size();
            if (end < message.size() && (std::isalnum(static_cast<unsigned char>(message[end])) || message[end] == '-'))
                continue;
            return message + " (" + flag + " expects " + expected_value(s.target) + ")";
        }
    }
    return message;
}

// --config FILE / --config=FILE from argv, else SB_OPERATOR_CONFIG.
std::string find_config_path(int argc, const char* const* argv) {
    for (int i = 1; i < argc; ++i) {
        std::string_view arg = argv[i];
        if (arg == "--config" && i + 1 < argc) return argv[i + 1];
        if (arg.starts_with("--config=")) return std::string(arg.substr(9));
    }
    const char* env = std::getenv("SB_OPERATOR_CONFIG");
    return env ? env : "";
}

bool valid_quantity_like(const std::string& s) {
    if (s.empty()) return false;
    return std::isdigit(static_cast<unsigned char>(s.front())) || s.front() == '.';
}

}  // namespace

std::optional<int> metrics_port(std::string_view address) {
    const auto colon = address.rfind(':');
    if (colon == std::string_view::npos) return std::nullopt;
    const auto digits = address.substr(colon + 1);
    if (digits.empty() || digits.size() > 5) return std::nullopt;
    int port = 0;
    for (char ch : digits) {
        if (!std::isdigit(static_cast<unsigned char>(ch))) return std::nullopt;
        port = port * 10 + (ch - '0');
    }
    if (port > 65535) return std::nullopt;  // 0: any free port (tests, several operators on one host)
    return port;
}

void apply_config_yaml(OperatorConfig& config, std::string_view yaml, std::string_view source_name) {
    YAML::Node root;
    try {
        root = YAML::Load(std::string(yaml));
    } catch (const YAML::Exception& e) {
        throw ConfigError(std::string(source_name) + ": not valid YAML: " + e.what());
    }
    if (root.IsNull()) return;
    if (!root.IsMap()) throw ConfigError(std::string(source_name) + ": expected a map of settings");
    auto settings = settings_of(config);
    for (const auto& entry : root) {
        auto key = entry.first.as<std::string>();
        auto it = std::find_if(settings.begin(), settings.end(), [&](const Setting& s) { return s.name == key; });
        if (it == settings.end())
            throw ConfigError(std::string(source_name) + ": unknown setting '" + key + "'");
        assign_yaml(it->target, entry.second, std::string(source_name) + ": " + key);
    }
}

bool parse_operator_config(int argc, const char* const* argv, OperatorConfig& config, int& exit_code) {
    if (auto path = find_config_path(argc, argv); !path.empty()) {
        std::ifstream in(path);
        if (!in) throw ConfigError("cannot read config file " + path);
        std::stringstream buffer;
        buffer << in.rdbuf();
        apply_config_yaml(config, buffer.str(), path);
    }

    CLI::App app{"shapeblock-operator: reconciles ShapeBlock projects, apps, builds and services"};
    app.set_version_flag("--version", "shapeblock-operator " SB_VERSION);
    std::string config_path;
    app.add_option("--config", config_path, "YAML file with settings (flag names as keys)")->envname("SB_OPERATOR_CONFIG");
    bool print_config = false;
    app.add_flag("--print-config", print_config, "print the resolved settings as JSON (secrets as \"set\") and exit");
    refuse_unknown_environment(settings_of(config));
    check_environment(argc, argv, settings_of(config));
    for (auto& s : settings_of(config)) {
        auto flag = "--" + s.name;
        std::visit(
            [&](auto* p) {
                using T = std::remove_pointer_t<decltype(p)>;
                CLI::Option* opt = nullptr;
                if constexpr (std::is_same_v<T, bool>) {
                    // --flag, --flag=false, or the env variable set to true/false.
                    opt = app.add_flag(flag, *p, s.help);
                } else if constexpr (std::is_same_v<T, std::vector<std::string>>) {
                    opt = app.add_option(flag, *p, s.help)->delimiter(',');
                } else {
                    opt = app.add_option(flag, *p, s.help);
                }
                opt->envname(env_name(s.name));
                opt->capture_default_str();
            },
            s.target);
    }
    try {
        app.parse(argc, argv);
    } catch (const CLI::Success& e) {
        exit_code = app.exit(e);
        return false;
    } catch (const CLI::ParseError& e) {
        throw ConfigError(explain_parse_error(e, settings_of(config)));
    }
    apply_empty_environment(argc, argv, settings_of(config));
    config.validate();
    exit_code = 0;
    if (print_config) {
        std::cout << config_json(config) << std::endl;
        return false;
    }
    return true;
}

std::string config_json(const OperatorConfig& config) {
    auto copy = config;
    boost::json::object out;
    for (const auto& s : settings_of(copy)) out[s.name] = printable_value(s);
    return boost::json::serialize(out);
}

void OperatorConfig::validate() const {
    if (api_qps <= 0) throw ConfigError("api-qps must be > 0");
    if (api_burst < 1) throw ConfigError("api-burst must be >= 1");
    if (concurrency < 1 || concurrency > 256) throw ConfigError("concurrency must be between 1 and 256");
    if (registry_secret_name.empty()) throw ConfigError("registry-secret-name must not be empty");
    if (registry_secret_namespace.empty()) throw ConfigError("registry-secret-namespace must not be empty");
    if (dockerfile_builder != "kaniko" && dockerfile_builder != "buildah")
        throw ConfigError("dockerfile-builder must be kaniko or buildah, got '" + dockerfile_builder + "'");
    if (log_level != "debug" && log_level != "info" && log_level != "warn" && log_level != "error")
        throw ConfigError("log-level must be debug, info, warn or error, got '" + log_level + "'");
    if (log_format != "json" && log_format != "text")
        throw ConfigError("log-format must be json or text, got '" + log_format + "'");
    if (build_deadline_seconds < 60) throw ConfigError("build-deadline-seconds must be >= 60");
    if (build_ttl_seconds < 0) throw ConfigError("build-ttl-seconds must be >= 0");
    if (build_history_limit < 1) throw ConfigError("build-history-limit must be >= 1");
    if (max_concurrent_builds < 0) throw ConfigError("max-concurrent-builds must be >= 0 (0: no limit)");
    for (const auto& r : insecure_registries)
        if (r.empty() || r.find('/') != std::string::npos || r.find("://") != std::string::npos)
            throw ConfigError("insecure-registries takes host[:port] entries, got '" + r + "'");
    for (auto [flag, q] : {std::pair{"build-cpu-request", &build_resources.cpu_request},
                           std::pair{"build-cpu-limit", &build_resources.cpu_limit},
                           std::pair{"build-memory-request", &build_resources.memory_request},
                           std::pair{"build-memory-limit", &build_resources.memory_limit},
                           std::pair{"container-cpu-request", &container_defaults.cpu_request},
                           std::pair{"container-cpu-limit", &container_defaults.cpu_limit},
                           std::pair{"container-memory-request", &container_defaults.memory_request},
                           std::pair{"container-memory-limit", &container_defaults.memory_limit}})
        if (!valid_quantity_like(*q))
            throw ConfigError(std::string(flag) + " must be a Kubernetes quantity (such as 500m or 2Gi), got '" + *q + "'");
    if (!metrics_address.empty() && !metrics_port(metrics_address))
        throw ConfigError("metrics-address must be host:port with a port from 0 (any free port) to 65535, or empty to disable, got '" +
                          metrics_address + "'");
    if (!server_url.empty()) check_server_url(server_url);
    if (!server_url.empty() && agent_token.empty())
        throw ConfigError("server-url needs agent-token (SB_OPERATOR_AGENT_TOKEN): the cluster's agent token");
    if (server_url.empty() && !agent_token.empty())
        throw ConfigError("agent-token is set but server-url is not: the agent link needs both");
    if (leader_elect && (lease_namespace.empty() || lease_name.empty()))
        throw ConfigError("leader election needs lease-namespace and lease-name");
}

}  // namespace sb::op
