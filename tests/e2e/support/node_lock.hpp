#pragma once
// A machine-wide lock: only one real node runs per machine at a time
// (kubelet uses fixed host paths and the /kubepods cgroups). Blocks until
// the lock is free; the kernel releases it when the process dies.
namespace sb::e2e {

class NodeLock {
public:
    NodeLock();
    ~NodeLock();
    NodeLock(const NodeLock&) = delete;
    NodeLock& operator=(const NodeLock&) = delete;

private:
    int fd_ = -1;
};

}  // namespace sb::e2e
