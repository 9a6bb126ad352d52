#pragma once
// Settings of in-cluster builds. Filled from OperatorConfig by the operator
// (build_config_from); tests construct them directly.
#include <cstdint>
#include <set>
#include <string>

#include "operator/common/build_images.hpp"

namespace sb::op {
struct OperatorConfig;
}

namespace sb::op::appbuild {

enum class DockerfileBuilder { kaniko, buildah };

struct ContainerResources {
    std::string cpu_request, memory_request, cpu_limit, memory_limit;
};

struct BuildConfig {
    // Images (pinned in common/build_images.hpp).
    std::string git_image{build_images::git};
    std::string kaniko_image{build_images::kaniko};
    std::string kaniko_shell = "/busybox/sh";  // the kaniko image's shell: a -debug variant
    std::string buildah_image{build_images::buildah};
    std::string buildpack_builder_image{build_images::buildpack_builder};
    // The operator's own image: its fetch-source command is an uploaded
    // source's first build step (source/fetch_source_command.hpp).
    std::string source_image{build_images::source};
    std::string cnb_platform_api = "0.12";
    std::int64_t buildpack_uid = 1000;
    std::int64_t buildpack_gid = 1000;
    std::int64_t git_uid = 1000;  // the clone runs as this non-root user

    DockerfileBuilder dockerfile_builder = DockerfileBuilder::kaniko;
    // Layer cache in the registry (<repository>/cache): kaniko --cache-repo,
    // buildah --cache-to/--cache-from, buildpack -cache-image.
    bool registry_cache = true;
    // Registries reached over plain HTTP or with a self-signed certificate.
    std::set<std::string> insecure_registries;

    // Sized for a 4 GB single node: one build at a time leaves ~2 GB for apps.
    ContainerResources build_resources{"500m", "1Gi", "2", "2Gi"};
    ContainerResources clone_resources{"50m", "64Mi", "1", "256Mi"};
    std::int64_t active_deadline_seconds = 1800;
    std::int64_t ttl_seconds_after_finished = 86400;  // the pod (and its log) stays this long
    // A pod that cannot be scheduled (or whose images cannot be pulled) for
    // this long fails the build.
    std::int64_t unschedulable_timeout_seconds = 600;
    std::string service_account;  // "" = the namespace's default
};

BuildConfig build_config_from(const OperatorConfig& config);

}  // namespace sb::op::appbuild
