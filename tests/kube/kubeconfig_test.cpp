// Kubeconfig parsing and merging: every supported field and every malformed
// case gives a ClusterConfig or a ConfigError that names the problem.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "common/base64.hpp"
#include "kube/config.hpp"

namespace sb::kube {
namespace {
namespace fs = std::filesystem;

const std::string kCa = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
const std::string kKey = "-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n";

struct TempDir {
    fs::path path;
    TempDir() {
        char tmpl[] = "/tmp/sb-kubeconfig-XXXXXX";
        path = mkdtemp(tmpl);
    }
    ~TempDir() { fs::remove_all(path); }
    fs::path write(const std::string& name, const std::string& content) const {
        auto p = path / name;
        fs::create_directories(p.parent_path());
        std::ofstream(p) << content;
        return p;
    }
};

std::string config_with(const std::string& cluster, const std::string& user, const std::string& extra_context = "") {
    return "apiVersion: v1\nkind: Config\ncurrent-context: main\n"
           "contexts:\n- name: main\n  context:\n    cluster: c1\n    user: u1\n" + extra_context +
           "clusters:\n- name: c1\n  cluster:\n" + cluster + "users:\n- name: u1\n  user:\n" + user;
}

std::string error_of(const std::function<void()>& f) {
    try {
        f();
    } catch (const ConfigError& e) {
        return e.what();
    }
    return "no error";
}

TEST(Kubeconfig, TokenAndCaData) {
    auto cfg = parse_kubeconfig(config_with("    server: https://127.0.0.1:6443\n    certificate-authority-data: " +
                                                base64_encode(kCa) + "\n",
                                            "    token: abc123\n",
                                            "    namespace: team-a\n"));
    EXPECT_EQ(cfg.server, "https://127.0.0.1:6443");
    EXPECT_EQ(cfg.ca_pem, kCa);
    EXPECT_EQ(cfg.bearer_token, "abc123");
    EXPECT_EQ(cfg.default_namespace, "team-a");
    EXPECT_EQ(cfg.context_name, "main");
    EXPECT_FALSE(cfg.insecure_skip_tls_verify);
}

TEST(Kubeconfig, FilesAreRelativeToTheKubeconfig) {
    TempDir dir;
    dir.write("pki/ca.crt", kCa);
    dir.write("pki/client.crt", kCa);
    dir.write("pki/client.key", kKey);
    dir.write("token", "file-token\n");
    auto file = dir.write("config", config_with("    server: https://k:1\n    certificate-authority: pki/ca.crt\n"
                                                "    tls-server-name: kubernetes.default.svc\n",
                                                "    client-certificate: pki/client.crt\n    client-key: pki/client.key\n"
                                                "    tokenFile: token\n"));
    auto cfg = load_kubeconfig({file});
    EXPECT_EQ(cfg.ca_pem, kCa);
    EXPECT_EQ(cfg.client_cert_pem, kCa);
    EXPECT_EQ(cfg.client_key_pem, kKey);
    EXPECT_EQ(cfg.token_file, dir.path / "token");
    EXPECT_EQ(cfg.tls_server_name, "kubernetes.default.svc");
}

TEST(Kubeconfig, ClientCertificateData) {
    auto cfg = parse_kubeconfig(config_with("    server: https://k:1\n    insecure-skip-tls-verify: true\n",
                                            "    client-certificate-data: " + base64_encode(kCa) +
                                                "\n    client-key-data: " + base64_encode(kKey) + "\n"));
    EXPECT_TRUE(cfg.insecure_skip_tls_verify);
    EXPECT_EQ(cfg.client_cert_pem, kCa);
    EXPECT_EQ(cfg.client_key_pem, kKey);
}

TEST(Kubeconfig, ExecPlugin) {
    TempDir dir;
    auto file = dir.write("config", config_with("    server: https://k:1\n",
                                                "    exec:\n      apiVersion: client.authentication.k8s.io/v1beta1\n"
                                                "      command: ./bin/get-token\n      args: [\"--cluster\", \"c1\"]\n"
                                                "      env:\n      - name: FOO\n        value: bar\n"
                                                "      provideClusterInfo: true\n"));
    auto cfg = load_kubeconfig({file});
    ASSERT_TRUE(cfg.exec);
    EXPECT_EQ(cfg.exec->command, (dir.path / "bin/get-token").string());
    EXPECT_EQ(cfg.exec->args, (std::vector<std::string>{"--cluster", "c1"}));
    ASSERT_EQ(cfg.exec->env.size(), 1u);
    EXPECT_EQ(cfg.exec->env[0].first, "FOO");
    EXPECT_TRUE(cfg.exec->provide_cluster_info);
}

TEST(Kubeconfig, SeveralFilesFirstDefinitionWinsAndContextOverride) {
    TempDir dir;
    auto a = dir.write("a", "current-context: ctx-a\ncontexts:\n- name: ctx-a\n  context: {cluster: shared, user: ua}\n"
                            "clusters:\n- name: shared\n  cluster: {server: 'https://first:1'}\n"
                            "users:\n- name: ua\n  user: {token: ta}\n");
    auto b = dir.write("b", "current-context: ctx-b\ncontexts:\n- name: ctx-b\n  context: {cluster: only-b, user: ub}\n"
                            "- name: ctx-a\n  context: {cluster: only-b, user: ub}\n"
                            "clusters:\n- name: shared\n  cluster: {server: 'https://second:1'}\n"
                            "- name: only-b\n  cluster: {server: 'https://b:1'}\n"
                            "users:\n- name: ub\n  user: {token: tb}\n");
    auto cfg = load_kubeconfig({dir.path / "missing", a, b});
    EXPECT_EQ(cfg.context_name, "ctx-a");
    EXPECT_EQ(cfg.server, "https://first:1");
    EXPECT_EQ(cfg.bearer_token, "ta");
    auto other = load_kubeconfig({a, b}, "ctx-b");
    EXPECT_EQ(other.server, "https://b:1");
    EXPECT_EQ(other.bearer_token, "tb");
}

TEST(Kubeconfig, KubeconfigEnvironmentVariableIsSplitOnColons) {
    ::setenv("KUBECONFIG", "/x/one::/y/two:", 1);
    auto paths = kubeconfig_paths_from_env();
    ::unsetenv("KUBECONFIG");
    EXPECT_EQ(paths, (std::vector<fs::path>{"/x/one", "/y/two"}));
}

TEST(Kubeconfig, MalformedFilesGiveClearErrors) {
    auto err = [](const std::string& yaml) { return error_of([&] { parse_kubeconfig(yaml); }); };
    EXPECT_NE(err("contexts: [\n").find("not valid YAML"), std::string::npos);
    EXPECT_NE(err("- just\n- a list\n").find("must be a YAML mapping"), std::string::npos);
    EXPECT_NE(err("kind: Pod\n").find("expected 'Config'"), std::string::npos);
    EXPECT_NE(err("contexts: []\n").find("no current-context"), std::string::npos);
    EXPECT_NE(err("current-context: nope\ncontexts: []\n").find("context 'nope' not found"), std::string::npos);
    EXPECT_NE(err("current-context: a\ncontexts: {a: 1}\n").find("'contexts' must be a list"), std::string::npos);
    EXPECT_NE(err("current-context: a\ncontexts:\n- context: {cluster: c}\n").find("has no name"), std::string::npos);
    EXPECT_NE(err("current-context: a\ncontexts:\n- name: a\n  context: {cluster: c}\n").find("cluster 'c', which is not defined"),
              std::string::npos);
    EXPECT_NE(err(config_with("    insecure-skip-tls-verify: true\n", "    token: t\n")).find("has no server"),
              std::string::npos);
    EXPECT_NE(err(config_with("    server: http://k:1\n", "    token: t\n")).find("must be an https:// URL"),
              std::string::npos);
    EXPECT_NE(err(config_with("    server: https://k:1\n    insecure-skip-tls-verify: maybe\n", "    token: t\n"))
                  .find("must be true or false"),
              std::string::npos);
    EXPECT_NE(err(config_with("    server: https://k:1\n    certificate-authority-data: '%%%'\n", "    token: t\n"))
                  .find("not valid base64"),
              std::string::npos);
    EXPECT_NE(err(config_with("    server: https://k:1\n    certificate-authority-data: " + base64_encode("junk") + "\n",
                              "    token: t\n"))
                  .find("not a PEM certificate"),
              std::string::npos);
    EXPECT_NE(err(config_with("    server: https://k:1\n    certificate-authority: /nonexistent/ca.crt\n", "    token: t\n"))
                  .find("cannot read /nonexistent/ca.crt"),
              std::string::npos);
    EXPECT_NE(err(config_with("    server: https://k:1\n", "    client-certificate-data: " + base64_encode(kCa) + "\n"))
                  .find("needs both a certificate and a key"),
              std::string::npos);
    EXPECT_NE(err(config_with("    server: https://k:1\n", "    tokenFile: /nonexistent/token\n")).find("tokenFile"),
              std::string::npos);
    EXPECT_NE(err(config_with("    server: https://k:1\n", "    exec:\n      apiVersion: x\n")).find("exec has no command"),
              std::string::npos);
    EXPECT_NE(err(config_with("    server: https://k:1\n", "    exec:\n      command: x\n")).find("exec has no apiVersion"),
              std::string::npos);
    EXPECT_NE(err(config_with("    server: https://k:1\n", "    auth-provider: {name: gcp}\n")).find("auth-provider"),
              std::string::npos);
    EXPECT_NE(err(config_with("    server: [1, 2]\n", "    token: t\n")).find("'server' must be a string"),
              std::string::npos);
    EXPECT_NE(error_of([] { load_kubeconfig({"/nonexistent/a", "/nonexistent/b"}); }).find("no kubeconfig found"),
              std::string::npos);
}

TEST(InClusterConfig, ReadsServiceAccountFiles) {
    TempDir dir;
    InClusterPaths paths{dir.write("token", "sa-token\n"), dir.write("ca.crt", kCa), dir.write("namespace", "apps\n")};
    ::setenv("KUBERNETES_SERVICE_HOST", "fd00::1", 1);
    ::setenv("KUBERNETES_SERVICE_PORT", "443", 1);
    auto cfg = load_in_cluster_config(paths);
    EXPECT_EQ(cfg.server, "https://[fd00::1]:443");
    EXPECT_EQ(cfg.ca_pem, kCa);
    EXPECT_EQ(cfg.token_file, paths.token_file);
    EXPECT_TRUE(cfg.bearer_token.empty());  // re-read from the file, never copied
    EXPECT_EQ(cfg.default_namespace, "apps");
    ::unsetenv("KUBERNETES_SERVICE_HOST");
    EXPECT_NE(error_of([&] { load_in_cluster_config(paths); }).find("not running in a cluster"), std::string::npos);
    ::setenv("KUBERNETES_SERVICE_HOST", "10.0.0.1", 1);
    dir.write("token", "\n");
    EXPECT_NE(error_of([&] { load_in_cluster_config(paths); }).find("is empty"), std::string::npos);
    ::unsetenv("KUBERNETES_SERVICE_HOST");
    ::unsetenv("KUBERNETES_SERVICE_PORT");
}

}  // namespace
}  // namespace sb::kube
