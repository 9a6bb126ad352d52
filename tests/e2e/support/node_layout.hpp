#pragma once
// Where the real-node fixture lives on the machine. Everything has a fixed
// name because only one node runs per machine at a time (kubelet itself
// uses fixed host paths), which NodeLock enforces; fixed names also let the
// next run find what a crashed run left behind.
#include <array>
#include <string_view>

namespace sb::e2e::layout {

inline constexpr std::string_view kNetns = "sb-e2e";
inline constexpr std::string_view kNetnsFile = "/run/netns/sb-e2e";
inline constexpr std::string_view kBridge = "sbe2e0";
// A private /16 that exists only inside the namespace: no gateway, no
// masquerade, no forwarding, so nothing can leave it.
inline constexpr std::string_view kBridgeAddress = "10.213.0.1";
inline constexpr std::string_view kBridgeCidr = "10.213.0.1/16";
inline constexpr std::string_view kPodSubnet = "10.213.0.0/16";
inline constexpr std::string_view kPodRangeStart = "10.213.1.1";
inline constexpr std::string_view kPodRangeEnd = "10.213.255.254";
inline constexpr int kRegistryPort = 5000;
inline constexpr int kGitHttpPort = 8418;
inline constexpr int kSshPort = 2222;
// The node is called localhost so that the API server reaches the kubelet
// (listening on 127.0.0.1 in the namespace) for logs whatever the machine's
// hostname resolves to.
inline constexpr std::string_view kNodeName = "localhost";

inline constexpr std::string_view kLockFile = "/run/lock/shapeblock-e2e-node.lock";
// Runtime state (sockets, netns and rootfs mounts) and persistent state.
inline constexpr std::string_view kRunDir = "/run/sb-e2e";
inline constexpr std::string_view kVarDir = "/var/lib/sb-e2e";
// Host paths the node creates outside its own directories (fixed in kubelet,
// libcni and the containerd shim). Those that did not exist before a run are
// recorded in kOwnedPathsFile and removed by the cleanup.
inline constexpr std::string_view kOwnedPathsFile = "/var/lib/sb-e2e.owned-paths";
// /run/sshd is sshd's privilege separation directory (the test git server).
inline constexpr std::array<std::string_view, 8> kFixedHostPaths = {
    "/var/lib/kubelet", "/var/log/pods",   "/var/log/containers", "/var/lib/cni",
    "/etc/cni",         "/run/containerd", "/run/netns",          "/run/sshd"};
// kubelet's cgroupfs root in every cgroup v1 hierarchy.
inline constexpr std::string_view kPodCgroup = "kubepods";

}  // namespace sb::e2e::layout
