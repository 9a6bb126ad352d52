#pragma once
// One call for main.cpp: adds the AppBuild and Service controllers to the
// manager, configured from the operator's configuration. Keep the returned
// object alive while the manager runs.
#include <memory>

#include "operator/build/appbuild_reconciler.hpp"
#include "operator/service/service_reconciler.hpp"

namespace sb::op {
struct OperatorConfig;
}

namespace sb::op::build {

struct BuildAndServiceControllers {
    std::unique_ptr<AppBuildController> builds;
    std::unique_ptr<service::ServiceController> services;
};

BuildAndServiceControllers install_build_and_service_controllers(kube::Manager& mgr, const OperatorConfig& config);

}  // namespace sb::op::build
