#include "tests/e2e/support/helm_controller.hpp"

#include <unistd.h>

#include <cstdlib>
#include <stdexcept>

#include "tests/support/scratch.hpp"

#if !defined(SB_E2E_HELM_CONTROLLER) || !defined(SB_E2E_CHARTS_DIR)
#error "SB_E2E_HELM_CONTROLLER and SB_E2E_CHARTS_DIR must be defined"
#endif

namespace sb::e2e {
using namespace std::chrono_literals;

namespace {

std::string helm_binary() {
    const char* home = std::getenv("HOME");
    std::string helm = std::string(home ? home : "/root") + "/.cache/shapeblock/bin/helm";
    if (access(helm.c_str(), X_OK) != 0) throw std::runtime_error(helm + " not found: run scripts/install-helm");
    return helm;
}

}  // namespace

HelmControllerStandIn::HelmControllerStandIn(RealNode& node) {
    const auto dir = node.work_dir() / "helm-controller";
    std::filesystem::create_directories(dir);
    testenv::write_file(dir / "token", node.control_plane().admin_token());
    process_ = testenv::ChildProcess(
        {{SB_E2E_HELM_CONTROLLER, "--port", std::to_string(node.control_plane().port()), "--ca-file",
          node.control_plane().ca_file().string(), "--token-file", (dir / "token").string(), "--kubeconfig",
          node.control_plane().admin_kubeconfig().string(), "--helm", helm_binary(), "--charts-dir", SB_E2E_CHARTS_DIR,
          "--state-dir", (dir / "state").string()},
         (dir / "helm-controller.log").string()});
    auto api = node.api();
    wait_until("the HelmChart CRD to be served", 60s, [&] {
        if (!process_.running()) throw WaitAborted("helm-controller stand-in exited:\n" + process_.log_tail());
        api.get("/apis/helm.cattle.io/v1/helmcharts");
        return true;
    });
}

}  // namespace sb::e2e
