#pragma once
// Finds and removes everything a real-node run leaves on the machine:
// processes (daemons in the node's network namespace, containerd shims,
// everything in kubelet's pod cgroups), mounts (container root
// filesystems, pod network namespaces, kubelet volumes), cgroups, the
// network namespace (and with it the bridge) and host paths. Used before a
// run (to clean up after a crashed one) and after it; a test asserts that
// find_node_leftovers() is empty after teardown.
#include <string>
#include <vector>

namespace sb::e2e {

// One human-readable line per leftover ("process 123 (containerd)", "mount
// /run/sb-e2e/...", "cgroup /sys/fs/cgroup/cpu/kubepods", "path /var/log/pods").
std::vector<std::string> find_node_leftovers();

// Removes every leftover; throws if some cannot be removed.
void remove_node_leftovers();

// Records which of the node's fixed host paths do not exist yet (so that
// the cleanup removes exactly those) and creates the node's own directories.
// Throws if a path the node needs belongs to someone else (a real kubelet).
void claim_host_paths();

}  // namespace sb::e2e
