#pragma once
// A real single-node Kubernetes cluster for end-to-end tests, offline:
// etcd + kube-apiserver + kube-controller-manager (sb::testenv's
// LocalControlPlane), kube-scheduler, kubelet, containerd + runc + CNI
// bridge, and a plain-HTTP registry, all inside a network namespace that
// only has loopback and the node's bridge (see ../shared/KUBE-TESTING.md,
// "A real node"). Images come from LocalImages and are imported into
// containerd; the busybox base image is also pushed to the registry so
// in-pod builds can use it in FROM.
//
// Construct it on the main thread before starting other threads: the
// calling process enters the namespace for the node's lifetime (so its
// HTTP probes reach pod IPs), and leaves it on destruction. One node per
// machine at a time (NodeLock); construction first removes whatever a
// crashed run left, destruction removes everything it made.
#include <chrono>
#include <filesystem>
#include <memory>
#include <string>

#include "tests/support/child_process.hpp"
#include "tests/e2e/support/kube_api.hpp"
#include "tests/support/local_control_plane.hpp"
#include "tests/e2e/support/local_images.hpp"
#include "tests/e2e/support/network_namespace.hpp"
#include "tests/e2e/support/node_lock.hpp"

namespace sb::e2e {

class RealNode {
public:
    RealNode();
    ~RealNode();
    RealNode(const RealNode&) = delete;
    RealNode& operator=(const RealNode&) = delete;

    // One node per test process, started on first use, removed at exit.
    static RealNode& shared();

    testenv::LocalControlPlane& control_plane() { return *control_plane_; }
    KubeApi api() const;
    const LocalImages& images() const { return images_; }
    std::string bridge_address() const;
    std::string registry() const;              // host:port, plain HTTP
    std::string base_image_in_registry() const;  // busybox base, for FROM in test Dockerfiles
    // Scratch space that the node's cleanup removes.
    std::filesystem::path work_dir() const;
    std::filesystem::path buildah_root() const;
    std::chrono::milliseconds bring_up_time() const { return bring_up_time_; }

    // The operator's own image (build_operator_image), imported into the
    // node's containerd: builds of uploaded sources run it. Its reference.
    std::string operator_image(const std::filesystem::path& operator_binary);

    // Log tails of the node's daemons, for failure messages.
    std::string describe_daemons();

private:
    void start_containerd();
    void import_images();
    void start_registry();
    void start_node_components();
    void wait_node_ready();
    void push_base_image();
    void shut_down() noexcept;

    std::unique_ptr<NodeLock> lock_;
    std::unique_ptr<NetworkNamespace> netns_;
    LocalImages images_;
    testenv::ChildProcess containerd_, registry_, scheduler_, kubelet_;
    std::unique_ptr<testenv::LocalControlPlane> control_plane_;
    std::chrono::milliseconds bring_up_time_{0};
};

}  // namespace sb::e2e
