#pragma once
// Runs sb-e2e-helm-controller (helm_standin/main.cpp) against the e2e
// node: HelmCharts get installed with helm from the test tree's
// nxs-universal-chart mirror, and uninstalled on delete.
#include "tests/support/child_process.hpp"
#include "tests/e2e/support/real_node.hpp"

namespace sb::e2e {

class HelmControllerStandIn {
public:
    explicit HelmControllerStandIn(RealNode& node);
    ~HelmControllerStandIn() { process_.stop(); }
    std::string log_tail() const { return process_.log_tail(); }

private:
    testenv::ChildProcess process_;
};

}  // namespace sb::e2e
