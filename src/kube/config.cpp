// Kubeconfig and in-cluster configuration loading.
#include "kube/config.hpp"

#include <yaml-cpp/yaml.h>

#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>

#include "common/base64.hpp"

namespace sb::kube {
namespace fs = std::filesystem;

namespace {

std::string read_text_file(const fs::path& path, const std::string& what) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw ConfigError(what + ": cannot read " + path.string());
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

fs::path resolve(const fs::path& base_dir, const std::string& path) {
    fs::path p(path);
    if (p.is_relative() && !base_dir.empty()) return base_dir / p;
    return p;
}

// One named entry (a context, cluster or user) and the directory of the
// file that defined it, for resolving relative paths.
struct Entry {
    YAML::Node node;
    fs::path base_dir;
    std::string source;  // file name for messages
};

struct MergedConfig {
    std::map<std::string, Entry> contexts, clusters, users;
    std::string current_context;
    std::string current_context_source;
};

std::string scalar(const YAML::Node& node, const char* key, const std::string& where) {
    auto v = node[key];
    if (!v) return {};
    if (!v.IsScalar()) throw ConfigError(where + ": '" + key + "' must be a string");
    return v.as<std::string>();
}

bool boolean(const YAML::Node& node, const char* key, const std::string& where) {
    auto v = node[key];
    if (!v) return false;
    try {
        return v.as<bool>();
    } catch (const YAML::Exception&) {
        throw ConfigError(where + ": '" + key + "' must be true or false");
    }
}

void merge_named_list(const YAML::Node& root, const char* list_key, const char* item_key, const fs::path& base_dir,
                      const std::string& source, std::map<std::string, Entry>& into) {
    auto list = root[list_key];
    if (!list || list.IsNull()) return;
    if (!list.IsSequence()) throw ConfigError(source + ": '" + list_key + "' must be a list");
    std::size_t index = 0;
    for (const auto& item : list) {
        std::string where = source + ": " + list_key + "[" + std::to_string(index++) + "]";
        if (!item.IsMap()) throw ConfigError(where + " must be a mapping");
        std::string name = scalar(item, "name", where);
        if (name.empty()) throw ConfigError(where + " has no name");
        auto body = item[item_key];
        if (!body || !body.IsMap()) {
            // An empty user ("user: {}") is legal; anything else must be a mapping.
            if (body && !body.IsNull()) throw ConfigError(where + " ('" + name + "'): '" + item_key + "' must be a mapping");
            body = YAML::Node(YAML::NodeType::Map);
        }
        into.emplace(name, Entry{body, base_dir, source});  // first definition wins
    }
}

void merge_document(MergedConfig& merged, std::string_view yaml, const fs::path& base_dir, const std::string& source) {
    YAML::Node root;
    try {
        root = YAML::Load(std::string(yaml));
    } catch (const YAML::Exception& e) {
        throw ConfigError(source + ": not valid YAML: " + e.what());
    }
    if (root.IsNull()) return;  // an empty file contributes nothing
    if (!root.IsMap()) throw ConfigError(source + ": a kubeconfig must be a YAML mapping");
    if (auto kind = scalar(root, "kind", source); !kind.empty() && kind != "Config")
        throw ConfigError(source + ": kind is '" + kind + "', expected 'Config'");
    merge_named_list(root, "contexts", "context", base_dir, source, merged.contexts);
    merge_named_list(root, "clusters", "cluster", base_dir, source, merged.clusters);
    merge_named_list(root, "users", "user", base_dir, source, merged.users);
    if (merged.current_context.empty()) {
        merged.current_context = scalar(root, "current-context", source);
        merged.current_context_source = source;
    }
}

std::string data_or_file(const Entry& e, const char* data_key, const char* file_key, const std::string& where) {
    std::string data = scalar(e.node, data_key, where);
    if (!data.empty()) {
        try {
            return base64_decode(data);
        } catch (const std::invalid_argument&) {
            throw ConfigError(where + ": '" + data_key + "' is not valid base64");
        }
    }
    std::string file = scalar(e.node, file_key, where);
    if (!file.empty()) return read_text_file(resolve(e.base_dir, file), where + " " + file_key);
    return {};
}

ExecConfig parse_exec(const Entry& user, const std::string& where) {
    const auto node = user.node["exec"];
    if (!node.IsMap()) throw ConfigError(where + ": 'exec' must be a mapping");
    ExecConfig exec;
    exec.command = scalar(node, "command", where + " exec");
    if (exec.command.empty()) throw ConfigError(where + ": exec has no command");
    // Like client-go: a relative command with a path separator is relative to the kubeconfig.
    if (exec.command.find('/') != std::string::npos && fs::path(exec.command).is_relative())
        exec.command = (user.base_dir / exec.command).lexically_normal().string();
    if (auto v = scalar(node, "apiVersion", where + " exec"); !v.empty()) exec.api_version = v;
    else throw ConfigError(where + ": exec has no apiVersion");
    if (auto args = node["args"]; args && !args.IsNull()) {
        if (!args.IsSequence()) throw ConfigError(where + ": exec args must be a list");
        for (const auto& a : args) exec.args.push_back(a.as<std::string>());
    }
    if (auto env = node["env"]; env && !env.IsNull()) {
        if (!env.IsSequence()) throw ConfigError(where + ": exec env must be a list of {name, value}");
        for (const auto& e : env) {
            if (!e.IsMap()) throw ConfigError(where + ": exec env entries must be {name, value}");
            exec.env.emplace_back(scalar(e, "name", where + " exec env"), scalar(e, "value", where + " exec env"));
        }
    }
    exec.provide_cluster_info = boolean(node, "provideClusterInfo", where + " exec");
    exec.install_hint = scalar(node, "installHint", where + " exec");
    return exec;
}

ClusterConfig build(const MergedConfig& merged, std::string_view context_override) {
    std::string context_name = context_override.empty() ? merged.current_context : std::string(context_override);
    if (context_name.empty()) throw ConfigError("kubeconfig: no current-context is set and no context was given");
    auto ctx = merged.contexts.find(context_name);
    if (ctx == merged.contexts.end()) throw ConfigError("kubeconfig: context '" + context_name + "' not found");
    const std::string ctx_where = ctx->second.source + ": context '" + context_name + "'";

    ClusterConfig cfg;
    cfg.context_name = context_name;
    std::string cluster_name = scalar(ctx->second.node, "cluster", ctx_where);
    std::string user_name = scalar(ctx->second.node, "user", ctx_where);
    if (auto ns = scalar(ctx->second.node, "namespace", ctx_where); !ns.empty()) cfg.default_namespace = ns;
    if (cluster_name.empty()) throw ConfigError(ctx_where + " names no cluster");

    auto cluster = merged.clusters.find(cluster_name);
    if (cluster == merged.clusters.end())
        throw ConfigError(ctx_where + " refers to cluster '" + cluster_name + "', which is not defined");
    const std::string cl_where = cluster->second.source + ": cluster '" + cluster_name + "'";
    cfg.server = scalar(cluster->second.node, "server", cl_where);
    if (cfg.server.empty()) throw ConfigError(cl_where + " has no server");
    if (!cfg.server.starts_with("https://"))
        throw ConfigError(cl_where + ": server '" + cfg.server + "' must be an https:// URL");
    cfg.insecure_skip_tls_verify = boolean(cluster->second.node, "insecure-skip-tls-verify", cl_where);
    cfg.tls_server_name = scalar(cluster->second.node, "tls-server-name", cl_where);
    cfg.ca_pem = data_or_file(cluster->second, "certificate-authority-data", "certificate-authority", cl_where);
    if (!cfg.ca_pem.empty() && cfg.ca_pem.find("-----BEGIN CERTIFICATE-----") == std::string::npos)
        throw ConfigError(cl_where + ": the certificate authority is not a PEM certificate");

    if (!user_name.empty()) {
        auto user = merged.users.find(user_name);
        if (user == merged.users.end())
            throw ConfigError(ctx_where + " refers to user '" + user_name + "', which is not defined");
        const std::string u_where = user->second.source + ": user '" + user_name + "'";
        const auto& u = user->second;
        cfg.bearer_token = scalar(u.node, "token", u_where);
        if (auto tf = scalar(u.node, "tokenFile", u_where); !tf.empty()) {
            cfg.token_file = resolve(u.base_dir, tf);
            // Fail now, not on the first request, when the file is not there.
            if (cfg.bearer_token.empty()) read_text_file(cfg.token_file, u_where + " tokenFile");
        }
        cfg.client_cert_pem = data_or_file(u, "client-certificate-data", "client-certificate", u_where);
        cfg.client_key_pem = data_or_file(u, "client-key-data", "client-key", u_where);
        if (cfg.client_cert_pem.empty() != cfg.client_key_pem.empty())
            throw ConfigError(u_where + ": a client certificate needs both a certificate and a key");
        if (!cfg.client_cert_pem.empty() && cfg.client_cert_pem.find("-----BEGIN CERTIFICATE-----") == std::string::npos)
            throw ConfigError(u_where + ": the client certificate is not a PEM certificate");
        if (!cfg.client_key_pem.empty() && cfg.client_key_pem.find("PRIVATE KEY-----") == std::string::npos)
            throw ConfigError(u_where + ": the client key is not a PEM private key");
        cfg.username = scalar(u.node, "username", u_where);
        cfg.password = scalar(u.node, "password", u_where);
        if (u.node["exec"]) cfg.exec = parse_exec(u, u_where);
        if (u.node["auth-provider"])
            throw ConfigError(u_where + ": auth-provider plugins are not supported; use an exec plugin");
    }
    return cfg;
}

}  // namespace

std::vector<fs::path> kubeconfig_paths_from_env() {
    std::vector<fs::path> paths;
    if (const char* env = std::getenv("KUBECONFIG"); env && *env) {
        std::string_view rest(env);
        while (!rest.empty()) {
            auto colon = rest.find(':');
            auto part = rest.substr(0, colon);
            if (!part.empty()) paths.emplace_back(std::string(part));
            if (colon == std::string_view::npos) break;
            rest.remove_prefix(colon + 1);
        }
        if (!paths.empty()) return paths;
    }
    const char* home = std::getenv("HOME");
    paths.emplace_back(fs::path(home ? home : "/") / ".kube" / "config");
    return paths;
}

ClusterConfig parse_kubeconfig(std::string_view yaml, const fs::path& base_dir, std::string_view context) {
    MergedConfig merged;
    merge_document(merged, yaml, base_dir, "kubeconfig");
    return build(merged, context);
}

ClusterConfig load_kubeconfig(const std::vector<fs::path>& files_in, std::string_view context) {
    auto files = files_in.empty() ? kubeconfig_paths_from_env() : files_in;
    MergedConfig merged;
    bool any = false;
    for (const auto& file : files) {
        std::error_code ec;
        if (!fs::exists(file, ec)) continue;
        any = true;
        auto text = read_text_file(file, "kubeconfig");
        merge_document(merged, text, fs::absolute(file).parent_path(), file.string());
    }
    if (!any) {
        std::string list;
        for (const auto& f : files) list += (list.empty() ? "" : ", ") + f.string();
        throw ConfigError("no kubeconfig found (looked at: " + list + ")");
    }
    return build(merged, context);
}

bool running_in_cluster() {
    const char* host = std::getenv("KUBERNETES_SERVICE_HOST");
    return host && *host;
}

ClusterConfig load_in_cluster_config(const InClusterPaths& paths) {
    const char* host = std::getenv("KUBERNETES_SERVICE_HOST");
    const char* port = std::getenv("KUBERNETES_SERVICE_PORT");
    if (!host || !*host || !port || !*port)
        throw ConfigError("not running in a cluster: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT must be set");
    ClusterConfig cfg;
    std::string h(host);
    if (h.find(':') != std::string::npos) h = "[" + h + "]";  // IPv6
    cfg.server = "https://" + h + ":" + port;
    cfg.ca_pem = read_text_file(paths.ca_file, "in-cluster CA");
    if (cfg.ca_pem.find("-----BEGIN CERTIFICATE-----") == std::string::npos)
        throw ConfigError("in-cluster CA " + paths.ca_file.string() + " is not a PEM certificate");
    auto token = read_text_file(paths.token_file, "in-cluster service account token");
    if (token.find_first_not_of(" \t\r\n") == std::string::npos)
        throw ConfigError("in-cluster service account token " + paths.token_file.string() + " is empty");
    cfg.token_file = paths.token_file;
    std::error_code ec;
    if (fs::exists(paths.namespace_file, ec)) {
        auto ns = read_text_file(paths.namespace_file, "in-cluster namespace");
        while (!ns.empty() && (ns.back() == '\n' || ns.back() == ' ' || ns.back() == '\r')) ns.pop_back();
        if (!ns.empty()) cfg.default_namespace = ns;
    }
    return cfg;
}

ClusterConfig load_default_config(std::string_view context) {
    const char* kubeconfig = std::getenv("KUBECONFIG");
    if (running_in_cluster() && context.empty() && !(kubeconfig && *kubeconfig)) return load_in_cluster_config();
    return load_kubeconfig({}, context);
}

}  // namespace sb::kube
