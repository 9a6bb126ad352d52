#include "tests/e2e/support/real_node.hpp"

#include <unistd.h>

#include <filesystem>
#include <iostream>
#include <map>
#include <stdexcept>

#include "tests/e2e/support/host_cleanup.hpp"
#include "tests/e2e/support/node_layout.hpp"
#include "tests/e2e/support/plain_http.hpp"
#include "tests/support/scratch.hpp"

namespace sb::e2e {
namespace fs = std::filesystem;
namespace json = boost::json;
using namespace std::chrono_literals;
using testenv::ChildProcess;
using testenv::run_command;
using testenv::write_file;

namespace {

const fs::path kRun{std::string(layout::kRunDir)};
const fs::path kVar{std::string(layout::kVarDir)};
const std::string kContainerdSocket = (kRun / "containerd/containerd.sock").string();
// kubelet's cloud credential provider probes the metadata address unless told not to.
const std::map<std::string, std::string> kNoCloud{{"AWS_EC2_METADATA_DISABLED", "true"}};

std::string containerd_config(const std::string& sandbox_image, const std::string& registry) {
    return "version = 2\n"
           "root = \"" + (kVar / "containerd").string() + "\"\n"
           "state = \"" + (kRun / "containerd").string() + "\"\n"
           "[grpc]\n  address = \"" + kContainerdSocket + "\"\n"
           "[plugins.\"io.containerd.grpc.v1.cri\"]\n"
           "  sandbox_image = \"" + sandbox_image + "\"\n"
           // This VM lacks CAP_SYS_RESOURCE: runc cannot lower oom_score_adj otherwise.
           "  restrict_oom_score_adj = true\n"
           "  netns_mounts_under_state_dir = true\n"
           "  [plugins.\"io.containerd.grpc.v1.cri\".containerd]\n"
           "    snapshotter = \"overlayfs\"\n"
           "    [plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes.runc]\n"
           "      runtime_type = \"io.containerd.runc.v2\"\n"
           "      [plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes.runc.options]\n"
           "        SystemdCgroup = false\n"
           "        Root = \"" + (kRun / "runc").string() + "\"\n"
           "  [plugins.\"io.containerd.grpc.v1.cri\".cni]\n"
           "    bin_dir = \"/usr/lib/cni\"\n"
           "    conf_dir = \"" + (kRun / "cni/net.d").string() + "\"\n"
           "  [plugins.\"io.containerd.grpc.v1.cri\".registry.mirrors.\"" + registry + "\"]\n"
           "    endpoint = [\"http://" + registry + "\"]\n";
}

std::string cni_config() {
    json::object range{{"subnet", std::string(layout::kPodSubnet)},
                       {"rangeStart", std::string(layout::kPodRangeStart)},
                       {"rangeEnd", std::string(layout::kPodRangeEnd)}};
    json::object bridge{{"type", "bridge"},
                        {"bridge", std::string(layout::kBridge)},
                        {"isGateway", false},
                        {"ipMasq", false},
                        {"hairpinMode", true},
                        {"ipam", json::object{{"type", "host-local"},
                                              {"dataDir", (kRun / "cni/ipam").string()},
                                              {"ranges", json::array{json::array{range}}}}}};
    json::object conflist{{"cniVersion", "0.4.0"},
                          {"name", "sb-e2e"},
                          {"plugins", json::array{bridge, json::object{{"type", "loopback"}}}}};
    return json::serialize(conflist);
}

std::string kubelet_config() {
    return "apiVersion: kubelet.config.k8s.io/v1beta1\n"
           "kind: KubeletConfiguration\n"
           "address: 127.0.0.1\n"
           "port: 10250\n"
           "readOnlyPort: 0\n"
           "healthzPort: 0\n"
           "cgroupDriver: cgroupfs\n"
           "failSwapOn: false\n"
           "authentication:\n  anonymous:\n    enabled: true\n  webhook:\n    enabled: false\n"
           "authorization:\n  mode: AlwaysAllow\n"
           "resolvConf: \"\"\n"
           "volumePluginDir: " + (kVar / "kubelet-plugins").string() + "\n"
           "evictionHard:\n  memory.available: \"1Mi\"\n  nodefs.available: \"1%\"\n  imagefs.available: \"1%\"\n"
           "imageGCHighThresholdPercent: 100\n"
           "imageGCLowThresholdPercent: 99\n"
           "serializeImagePulls: false\n"
           "syncFrequency: 5s\n"
           "fileCheckFrequency: 5s\n";
}

std::string registry_config(const std::string& address) {
    return "version: 0.1\nlog:\n  level: warn\nstorage:\n  filesystem:\n    rootdirectory: " +
           (kVar / "registry").string() + "\n  delete:\n    enabled: true\nhttp:\n  addr: " + address + "\n";
}

void require_root() {
    if (geteuid() != 0) throw std::runtime_error("the e2e node needs root (namespaces, mounts, cgroups)");
}

}  // namespace

RealNode::RealNode() {
    require_root();
    const auto started = std::chrono::steady_clock::now();
    lock_ = std::make_unique<NodeLock>();
    try {
        remove_node_leftovers();
        claim_host_paths();
        images_ = build_local_images(buildah_root());
        netns_ = std::make_unique<NetworkNamespace>();
        netns_->enter();
        start_containerd();
        import_images();
        start_registry();
        // Binds its free loopback ports inside the namespace: we are in it.
        control_plane_ = std::make_unique<testenv::LocalControlPlane>();
        start_node_components();
        wait_node_ready();
        push_base_image();
    } catch (...) {
        std::cerr << "e2e node bring-up failed; daemons:\n" << describe_daemons() << std::endl;
        shut_down();
        throw;
    }
    bring_up_time_ = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
}

RealNode::~RealNode() { shut_down(); }

RealNode& RealNode::shared() {
    static RealNode node;
    return node;
}

void RealNode::shut_down() noexcept {
    kubelet_.stop();
    scheduler_.stop();
    control_plane_.reset();
    registry_.stop();
    containerd_.stop();
    netns_.reset();  // leaves the namespace
    try {
        remove_node_leftovers();
    } catch (const std::exception& e) {
        std::cerr << "e2e node teardown: " << e.what() << std::endl;
    }
}

KubeApi RealNode::api() const {
    return KubeApi(control_plane_->port(), control_plane_->ca_pem(), control_plane_->admin_token());
}

std::string RealNode::bridge_address() const { return std::string(layout::kBridgeAddress); }
std::string RealNode::registry() const { return bridge_address() + ":" + std::to_string(layout::kRegistryPort); }
std::string RealNode::base_image_in_registry() const {
    auto tag = images_.busybox.reference.substr(images_.busybox.reference.rfind(':') + 1);
    return registry() + "/sb-e2e/busybox:" + tag;
}
fs::path RealNode::work_dir() const { return kVar / "work"; }
fs::path RealNode::buildah_root() const { return kVar / "buildah"; }

void RealNode::start_containerd() {
    fs::create_directories(kRun / "cni/net.d");
    fs::create_directories(kRun / "containerd");
    fs::create_directories(kVar / "logs");
    write_file(kRun / "cni/net.d/10-sb-e2e.conflist", cni_config());
    write_file(kVar / "containerd.toml", containerd_config(images_.pause.reference, registry()));
    containerd_ = ChildProcess({{"containerd", "--config", (kVar / "containerd.toml").string()},
                                (kVar / "logs/containerd.log").string(),
                                kNoCloud});
    wait_until("containerd to serve", 30s, [&] {
        if (!containerd_.running()) throw WaitAborted("containerd exited:\n" + containerd_.log_tail());
        run_command({"ctr", "-a", kContainerdSocket, "version"});
        return true;
    });
}

void RealNode::import_images() {
    for (const auto* image : images_.all())
        run_command({"ctr", "-a", kContainerdSocket, "-n", "k8s.io", "images", "import", image->archive.string()});
}

std::string RealNode::operator_image(const std::filesystem::path& operator_binary) {
    const auto image = build_operator_image(buildah_root(), operator_binary);
    run_command({"ctr", "-a", kContainerdSocket, "-n", "k8s.io", "images", "import", image.archive.string()});
    return image.reference;
}

void RealNode::start_registry() {
    fs::create_directories(kVar / "registry");
    write_file(kVar / "registry.yml", registry_config(registry()));
    registry_ = ChildProcess({{"docker-registry", "serve", (kVar / "registry.yml").string()},
                              (kVar / "logs/registry.log").string()});
    wait_until("the registry to answer", 30s, [&] {
        if (!registry_.running()) throw WaitAborted("docker-registry exited:\n" + registry_.log_tail());
        return http_get(bridge_address(), layout::kRegistryPort, "/v2/").status == 200;
    });
}

void RealNode::start_node_components() {
    const std::string bin = testenv::default_kube_bin_dir();
    for (const char* b : {"kubelet", "kube-scheduler"})
        if (access((bin + "/" + b).c_str(), X_OK) != 0)
            throw std::runtime_error(bin + "/" + b +
                                     " not found: run SB_KUBE_EXTRA=\"kubelet kube-scheduler\" scripts/build-kube");
    const std::string kubeconfig = control_plane_->admin_kubeconfig().string();
    scheduler_ = ChildProcess({{bin + "/kube-scheduler", "--kubeconfig", kubeconfig, "--leader-elect=false",
                                "--port=0", "--secure-port=0"},
                               (kVar / "logs/scheduler.log").string()});
    fs::create_directories(kVar / "kubelet");
    write_file(kVar / "kubelet.yaml", kubelet_config());
    kubelet_ = ChildProcess({{bin + "/kubelet", "--config", (kVar / "kubelet.yaml").string(), "--kubeconfig",
                              kubeconfig, "--root-dir", (kVar / "kubelet").string(), "--cert-dir",
                              (kVar / "kubelet/pki").string(), "--container-runtime", "remote",
                              "--container-runtime-endpoint", "unix://" + kContainerdSocket, "--node-ip",
                              bridge_address(), "--hostname-override", std::string(layout::kNodeName)},
                             (kVar / "logs/kubelet.log").string(),
                             kNoCloud});
}

void RealNode::wait_node_ready() {
    auto client = api();
    wait_until(
        "the node to be Ready", 120s,
        [&] {
            if (!kubelet_.running()) throw WaitAborted("kubelet exited:\n" + kubelet_.log_tail());
            if (!scheduler_.running()) throw WaitAborted("kube-scheduler exited:\n" + scheduler_.log_tail());
            auto node = client.try_get("/api/v1/nodes/" + std::string(layout::kNodeName));
            if (!node) return false;
            for (const auto& c : node->at("status").as_object().if_contains("conditions")
                                     ? node->at("status").at("conditions").as_array()
                                     : json::array{})
                if (string_at(c, {"type"}) == "Ready") return string_at(c, {"status"}) == "True";
            return false;
        },
        [&] { return kubelet_.log_tail(); });
}

void RealNode::push_base_image() {
    auto buildah = [&](std::vector<std::string> args) { run_command(buildah_command(buildah_root(), std::move(args))); };
    buildah({"pull", "-q", "docker-archive:" + images_.busybox.archive.string()});
    buildah({"push", "-q", "--tls-verify=false", images_.busybox.reference, "docker://" + base_image_in_registry()});
}

std::string RealNode::describe_daemons() {
    std::string out;
    for (auto* p : {&containerd_, &registry_, &scheduler_, &kubelet_})
        if (!p->log_file().empty()) out += "==> " + p->log_file() + "\n" + p->log_tail(2000) + "\n";
    return out;
}

}  // namespace sb::e2e
