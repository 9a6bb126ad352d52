#include "operator/build/install_controllers.hpp"

#include "operator/operator_config.hpp"

namespace sb::op::build {

BuildAndServiceControllers install_build_and_service_controllers(kube::Manager& mgr, const OperatorConfig& config) {
    AppBuildSettings settings;
    settings.build = build_config_from(config);
    settings.deploy = deploy::deploy_config_from(config);
    settings.registry = RegistryDefaults{config.default_registry, config.registry_secret_name};
    settings.workers = config.concurrency;
    BuildAndServiceControllers controllers;
    controllers.builds = std::make_unique<AppBuildController>(mgr, std::move(settings));
    controllers.services = std::make_unique<service::ServiceController>(mgr, service::ServiceConfig{}, config.concurrency);
    return controllers;
}

}  // namespace sb::op::build
