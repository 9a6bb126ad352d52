#pragma once
// A real Kubernetes control plane on loopback for tests and development:
// etcd + kube-apiserver (+ kube-controller-manager) on free ports, in a
// scratch directory, with its own CA, token auth for an admin
// (system:masters) and a non-admin user (so RBAC is exercised for real), and
// a client-certificate admin. See ../shared/KUBE-TESTING.md.
#include <filesystem>
#include <memory>
#include <string>

#include "tests/support/child_process.hpp"
#include "tests/support/scratch.hpp"

namespace sb::testenv {

struct ControlPlaneOptions {
    bool controller_manager = true;
    std::string kube_bin_dir;  // default: $SB_KUBE_BIN_DIR or ~/.cache/shapeblock/kube-current/bin
};

class LocalControlPlane {
public:
    explicit LocalControlPlane(ControlPlaneOptions options = {});
    ~LocalControlPlane();
    LocalControlPlane(const LocalControlPlane&) = delete;
    LocalControlPlane& operator=(const LocalControlPlane&) = delete;

    // One control plane per test process, started on first use and stopped at exit.
    static LocalControlPlane& shared();

    int port() const { return apiserver_port_; }
    std::string server_url() const;
    std::string etcd_url() const;
    const std::string& ca_pem() const { return ca_pem_; }
    const std::filesystem::path& dir() const { return dir_.path(); }

    static constexpr const char* kAdminUser = "admin";
    static constexpr const char* kPlainUser = "alice";
    const std::string& admin_token() const { return admin_token_; }
    const std::string& user_token() const { return user_token_; }
    std::filesystem::path admin_kubeconfig() const { return dir_ / "admin.kubeconfig"; }
    std::filesystem::path user_kubeconfig() const { return dir_ / "user.kubeconfig"; }
    std::filesystem::path client_cert_kubeconfig() const { return dir_ / "cert.kubeconfig"; }
    std::filesystem::path ca_file() const { return dir_ / "ca.crt"; }
    std::filesystem::path client_cert_file() const { return dir_ / "client.crt"; }
    std::filesystem::path client_key_file() const { return dir_ / "client.key"; }

    // For resilience tests: the apiserver goes away and comes back on the same port.
    void stop_apiserver();
    void start_apiserver();
    // Removes etcd history up to the current revision, so old resourceVersions expire (410 Gone).
    void compact_etcd();

private:
    void write_pki();
    void write_kubeconfig(const std::filesystem::path& file, const std::string& user_yaml) const;
    void wait_ready();

    ControlPlaneOptions options_;
    ScratchDir dir_;
    std::string bin_dir_;
    int etcd_port_ = 0, etcd_peer_port_ = 0, apiserver_port_ = 0;
    std::string ca_pem_, admin_token_, user_token_;
    ChildProcess etcd_, apiserver_, controller_manager_;
};

std::string default_kube_bin_dir();

}  // namespace sb::testenv
