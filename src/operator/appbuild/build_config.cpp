#include "operator/appbuild/build_config.hpp"

#include "operator/common/operator_config.hpp"

namespace sb::op::appbuild {

BuildConfig build_config_from(const OperatorConfig& config) {
    BuildConfig c;
    c.git_image = config.git_image;
    c.kaniko_image = config.kaniko_image;
    c.buildah_image = config.buildah_image;
    c.buildpack_builder_image = config.buildpack_builder_image;
    c.source_image = config.source_image;
    c.dockerfile_builder = config.dockerfile_builder == "buildah" ? DockerfileBuilder::buildah : DockerfileBuilder::kaniko;
    c.insecure_registries.insert(config.insecure_registries.begin(), config.insecure_registries.end());
    c.build_resources = {config.build_resources.cpu_request, config.build_resources.memory_request,
                         config.build_resources.cpu_limit, config.build_resources.memory_limit};
    c.active_deadline_seconds = config.build_deadline_seconds;
    c.ttl_seconds_after_finished = config.build_ttl_seconds;
    c.registry_cache = config.build_cache;
    return c;
}

}  // namespace sb::op::appbuild
