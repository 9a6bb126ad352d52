#pragma once
// The node's network namespace: loopback plus one bridge with a private
// /16 and nothing else (no uplink, no gateway, no forwarding), so no packet
// from anything the node runs can leave it.
//
// enter() moves the calling thread into it with setns(CLONE_NEWNET) — the
// equivalent of `nsenter --net`, which, unlike `ip netns exec`, leaves /sys
// and the cgroup v1 mounts alone. Call it from the main thread before any
// other thread starts: threads and processes started afterwards inherit it.
namespace sb::e2e {

class NetworkNamespace {
public:
    NetworkNamespace();  // creates it (the name and addresses are in node_layout.hpp)
    ~NetworkNamespace();  // leaves it; removal is left to remove_node_leftovers()
    NetworkNamespace(const NetworkNamespace&) = delete;
    NetworkNamespace& operator=(const NetworkNamespace&) = delete;

    void enter();
    void leave();

private:
    int original_fd_ = -1;
    bool inside_ = false;
};

}  // namespace sb::e2e
