#pragma once
// Where the API server is and how to authenticate to it: loaded from
// kubeconfig files (KUBECONFIG with several files, context override) or from
// the in-cluster service account. The result is a plain ClusterConfig that a
// Client is built from.
#include <chrono>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sb::kube {

// Any problem with a kubeconfig or in-cluster environment. The message names
// the file and the entry (context/cluster/user) that is wrong.
class ConfigError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// users[].user.exec of a kubeconfig (client.authentication.k8s.io).
struct ExecConfig {
    std::string command;                                    // resolved against the kubeconfig's dir when relative with a '/'
    std::vector<std::string> args;
    std::vector<std::pair<std::string, std::string>> env;   // added to the inherited environment
    std::string api_version = "client.authentication.k8s.io/v1beta1";
    bool provide_cluster_info = false;
    std::string install_hint;
};

struct ClusterConfig {
    // https://host:port, optionally with a path prefix.
    std::string server;

    // TLS. ca_pem empty means: the system's default trust store.
    std::string ca_pem;
    bool insecure_skip_tls_verify = false;
    std::string tls_server_name;  // SNI and name to verify instead of the server's host

    // Credentials (at most one of token / token_file / exec is used, in that
    // order of precedence; a client certificate can be combined with them).
    std::string bearer_token;
    std::filesystem::path token_file;                        // re-read every token_file_refresh
    std::chrono::seconds token_file_refresh{60};
    std::string client_cert_pem, client_key_pem;
    std::optional<ExecConfig> exec;
    std::string username, password;                          // basic auth (legacy)

    std::string default_namespace = "default";
    std::string context_name;                               // empty for in-cluster

    // Client-side limits (client-go defaults are 5/10; we default higher).
    double qps = 50.0;
    int burst = 100;
    std::string user_agent = "shapeblock/0.1";
    std::chrono::seconds request_timeout{30};               // non-streaming requests
};

// KUBECONFIG split on ':' (empty entries ignored); ~/.kube/config when unset.
std::vector<std::filesystem::path> kubeconfig_paths_from_env();

// Parses one kubeconfig document. Relative file paths in it are resolved
// against base_dir. context empty = its current-context.
ClusterConfig parse_kubeconfig(std::string_view yaml, const std::filesystem::path& base_dir = {},
                               std::string_view context = {});

// Loads and merges several kubeconfig files the way kubectl does: the first
// file that defines a context/cluster/user name wins, current-context comes
// from the first file that sets it; missing files are skipped, but at least
// one must exist. files empty = kubeconfig_paths_from_env().
ClusterConfig load_kubeconfig(const std::vector<std::filesystem::path>& files = {}, std::string_view context = {});

struct InClusterPaths {
    std::filesystem::path token_file = "/var/run/secrets/kubernetes.io/serviceaccount/token";
    std::filesystem::path ca_file = "/var/run/secrets/kubernetes.io/serviceaccount/ca.crt";
    std::filesystem::path namespace_file = "/var/run/secrets/kubernetes.io/serviceaccount/namespace";
};

// From KUBERNETES_SERVICE_HOST / KUBERNETES_SERVICE_PORT and the mounted
// service account. The token is not copied: it is re-read from token_file
// periodically because bound tokens rotate.
ClusterConfig load_in_cluster_config(const InClusterPaths& paths = {});

bool running_in_cluster();

// In-cluster when KUBERNETES_SERVICE_HOST is set and neither KUBECONFIG nor a
// context is given; otherwise the kubeconfig files.
ClusterConfig load_default_config(std::string_view context = {});

}  // namespace sb::kube
