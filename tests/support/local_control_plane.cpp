#include "tests/support/local_control_plane.hpp"

#include <boost/json.hpp>
#include <chrono>
#include <stdexcept>
#include <thread>

#include "tests/support/https_probe.hpp"
#include "tests/support/test_pki.hpp"

namespace sb::testenv {
namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

std::string base64(const std::string& in) {
    static const char* table = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    std::size_t i = 0;
    while (i + 2 < in.size()) {
        unsigned n = (static_cast<unsigned char>(in[i]) << 16) | (static_cast<unsigned char>(in[i + 1]) << 8) |
                     static_cast<unsigned char>(in[i + 2]);
        out += table[(n >> 18) & 63];
        out += table[(n >> 12) & 63];
        out += table[(n >> 6) & 63];
        out += table[n & 63];
        i += 3;
    }
    if (i < in.size()) {
        unsigned n = static_cast<unsigned char>(in[i]) << 16;
        if (i + 1 < in.size()) n |= static_cast<unsigned char>(in[i + 1]) << 8;
        out += table[(n >> 18) & 63];
        out += table[(n >> 12) & 63];
        out += (i + 1 < in.size()) ? table[(n >> 6) & 63] : '=';
        out += '=';
    }
    return out;
}

void require_executable(const std::string& path) {
    if (access(path.c_str(), X_OK) != 0)
        throw std::runtime_error(path + " not found: run scripts/build-kube (or scripts/setup) first");
}

}  // namespace

std::string default_kube_bin_dir() {
    if (const char* env = std::getenv("SB_KUBE_BIN_DIR")) return env;
    const char* home = std::getenv("HOME");
    return std::string(home ? home : "/root") + "/.cache/shapeblock/kube-current/bin";
}

LocalControlPlane::LocalControlPlane(ControlPlaneOptions options)
    : options_(std::move(options)), dir_("kube") {
    bin_dir_ = options_.kube_bin_dir.empty() ? default_kube_bin_dir() : options_.kube_bin_dir;
    require_executable(bin_dir_ + "/kube-apiserver");
    require_executable("/usr/bin/etcd");
    etcd_port_ = free_port();
    etcd_peer_port_ = free_port();
    apiserver_port_ = free_port();
    admin_token_ = "admin-" + random_hex(16);
    user_token_ = "alice-" + random_hex(16);
    write_pki();
    write_file(dir_ / "tokens.csv", admin_token_ + "," + kAdminUser + ",admin-uid,\"system:masters\"\n" +
                                        user_token_ + "," + kPlainUser + ",alice-uid,\"developers\"\n");
    write_kubeconfig(admin_kubeconfig(), "    token: " + admin_token_ + "\n");
    write_kubeconfig(user_kubeconfig(), "    token: " + user_token_ + "\n");
    write_kubeconfig(client_cert_kubeconfig(),
                     "    client-certificate: " + client_cert_file().string() + "\n" +
                         "    client-key: " + client_key_file().string() + "\n");

    fs::create_directories(dir_ / "etcd");
    etcd_ = ChildProcess({{"/usr/bin/etcd", "--data-dir", (dir_ / "etcd").string(), "--listen-client-urls",
                           etcd_url(), "--advertise-client-urls", etcd_url(), "--listen-peer-urls",
                           "http://127.0.0.1:" + std::to_string(etcd_peer_port_), "--initial-advertise-peer-urls",
                           "http://127.0.0.1:" + std::to_string(etcd_peer_port_), "--initial-cluster",
                           "default=http://127.0.0.1:" + std::to_string(etcd_peer_port_), "--quota-backend-bytes",
                           "2147483648", "--unsafe-no-fsync"},
                          (dir_ / "etcd.log").string()});
    start_apiserver();
    if (options_.controller_manager) {
        require_executable(bin_dir_ + "/kube-controller-manager");
        controller_manager_ = ChildProcess(
            {{bin_dir_ + "/kube-controller-manager", "--kubeconfig", admin_kubeconfig().string(),
              "--leader-elect=false", "--service-account-private-key-file", (dir_ / "sa.key").string(),
              "--root-ca-file", ca_file().string(), "--controllers=*", "--bind-address=127.0.0.1",
              "--secure-port=0", "--port=0", "--concurrent-gc-syncs=5"},
             (dir_ / "controller-manager.log").string()});
    }
}

LocalControlPlane::~LocalControlPlane() {
    controller_manager_.stop();
    apiserver_.stop();
    etcd_.stop();
}

LocalControlPlane& LocalControlPlane::shared() {
    static LocalControlPlane instance;
    return instance;
}

std::string LocalControlPlane::server_url() const { return "https://127.0.0.1:" + std::to_string(apiserver_port_); }
std::string LocalControlPlane::etcd_url() const { return "http://127.0.0.1:" + std::to_string(etcd_port_); }

void LocalControlPlane::write_pki() {
    const auto d = dir_.path();
    TestPki pki(d, "shapeblock-test-ca");
    pki.issue("server", "/CN=kube-apiserver",
              "subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:kubernetes.default.svc\nextendedKeyUsage=serverAuth\n");
    pki.issue("client", "/O=system:masters/CN=cert-admin", "extendedKeyUsage=clientAuth\n");
    run_openssl({"genrsa", "-out", (d / "sa.key").string(), "2048"});
    run_openssl({"rsa", "-in", (d / "sa.key").string(), "-pubout", "-out", (d / "sa.pub").string()});
    ca_pem_ = read_file(d / "ca.crt");
}

void LocalControlPlane::write_kubeconfig(const fs::path& file, const std::string& user_yaml) const {
    write_file(file, "apiVersion: v1\nkind: Config\nclusters:\n- name: local\n  cluster:\n    server: " +
                         server_url() + "\n    certificate-authority-data: " + base64(ca_pem_) +
                         "\ncontexts:\n- name: local\n  context:\n    cluster: local\n    user: user\n"
                         "current-context: local\nusers:\n- name: user\n  user:\n" +
                         user_yaml);
}

void LocalControlPlane::start_apiserver() {
    const auto d = dir_.path();
    apiserver_ = ChildProcess(
        {{bin_dir_ + "/kube-apiserver", "--etcd-servers=" + etcd_url(), "--secure-port=" + std::to_string(apiserver_port_),
          "--bind-address=127.0.0.1", "--advertise-address=127.0.0.1", "--cert-dir=" + (d / "certs").string(),
          "--tls-cert-file=" + (d / "server.crt").string(), "--tls-private-key-file=" + (d / "server.key").string(),
          "--client-ca-file=" + ca_file().string(), "--token-auth-file=" + (d / "tokens.csv").string(),
          "--authorization-mode=RBAC", "--service-account-issuer=https://kubernetes.default.svc",
          "--service-account-key-file=" + (d / "sa.pub").string(),
          "--service-account-signing-key-file=" + (d / "sa.key").string(),
          "--api-audiences=https://kubernetes.default.svc", "--service-cluster-ip-range=10.0.0.0/24",
          "--disable-admission-plugins=ServiceAccount", "--allow-privileged=true", "--insecure-port=0"},
         (d / "apiserver.log").string()});
    wait_ready();
}

void LocalControlPlane::stop_apiserver() { apiserver_.stop(); }

void LocalControlPlane::wait_ready() {
    auto deadline = std::chrono::steady_clock::now() + 120s;
    std::string last_error;
    while (std::chrono::steady_clock::now() < deadline) {
        if (!etcd_.running()) throw std::runtime_error("etcd exited:\n" + etcd_.log_tail());
        if (!apiserver_.running()) throw std::runtime_error("kube-apiserver exited:\n" + apiserver_.log_tail());
        try {
            auto res = https_request(apiserver_port_, ca_pem_, {"GET", "/readyz", admin_token_});
            if (res.status == 200) {
                // /readyz does not wait for the bootstrap controller, which creates "default" and the other
                // system namespaces a moment later; tests that use them would race it.
                res = https_request(apiserver_port_, ca_pem_, {"GET", "/api/v1/namespaces/default", admin_token_});
                if (res.status == 200) return;
                last_error = "namespace default: " + std::to_string(res.status);
            } else {
                last_error = "readyz " + std::to_string(res.status) + ": " + res.body;
            }
        } catch (const std::exception& e) {
            last_error = e.what();
        }
        std::this_thread::sleep_for(200ms);
    }
    throw std::runtime_error("kube-apiserver not ready after 120 s (" + last_error + "):\n" + apiserver_.log_tail());
}

void LocalControlPlane::compact_etcd() {
    // etcd 3.4 serves its v3 API as JSON through the gRPC gateway; use the CLI-free path via curl-like probe.
    auto revision_json = run_command({"curl", "-sf", "-X", "POST", etcd_url() + "/v3/kv/range", "-d",
                                      R"({"key":"AA==","limit":1})"});
    auto doc = boost::json::parse(revision_json);
    std::string revision(doc.at("header").at("revision").as_string());
    run_command({"curl", "-sf", "-X", "POST", etcd_url() + "/v3/kv/compaction", "-d",
                 R"({"revision":")" + revision + R"(","physical":true})"});
}

}  // namespace sb::testenv
