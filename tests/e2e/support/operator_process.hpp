#pragma once
// Runs the real shapeblock-operator binary against the e2e node, configured
// for it: local git and buildah images, buildah as the Dockerfile builder,
// the node's registry as default registry and insecure (plain HTTP:
// --insecure-registries), no leader election. It can be killed (-9) and restarted like a crashed pod.
// `env` is added to its environment (the agent token, SB_OPERATOR_AGENT_TOKEN).
#include <map>
#include <string>
#include <vector>

#include "tests/support/child_process.hpp"
#include "tests/e2e/support/real_node.hpp"

namespace sb::e2e {

class OperatorProcess {
public:
    OperatorProcess(RealNode& node, std::string binary, std::vector<std::string> extra_args = {},
                    std::map<std::string, std::string> env = {});
    ~OperatorProcess() { process_.stop(); }

    void start();
    void kill_hard() { process_.kill_hard(); }
    bool running() { return process_.running(); }
    pid_t pid() const { return process_.pid(); }
    std::string log_tail(std::size_t bytes = 6000) const { return process_.log_tail(bytes); }
    // Resident and peak resident memory (kB) from /proc/<pid>/status.
    long rss_kb() const;
    long peak_rss_kb() const;

private:
    RealNode& node_;
    std::string binary_;
    std::vector<std::string> args_;
    std::map<std::string, std::string> env_;
    testenv::ChildProcess process_;
};

}  // namespace sb::e2e
