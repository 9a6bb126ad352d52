#include "operator/appbuild/job_builder.hpp"

#include <boost/json/array.hpp>
#include <stdexcept>

#include "operator/appbuild/build_scripts.hpp"

namespace sb::op::appbuild {

namespace json = boost::json;

namespace {

constexpr std::string_view kWorkspace = "/workspace";
constexpr std::string_view kSourceDir = "/workspace/src";
constexpr std::string_view kGitCredentialsDir = "/etc/shapeblock/git";
constexpr std::string_view kRegistryConfigDir = "/etc/shapeblock/registry";
constexpr std::string_view kKanikoDockerDir = "/kaniko/.docker";

json::object env_var(std::string_view name, std::string_view value) {
    return {{"name", name}, {"value", value}};
}

json::object mount(std::string_view name, std::string_view path, bool read_only = false) {
    json::object m{{"name", name}, {"mountPath", path}};
    if (read_only) m["readOnly"] = true;
    return m;
}

json::object resources(const ContainerResources& r) {
    return {{"requests", {{"cpu", r.cpu_request}, {"memory", r.memory_request}}},
            {"limits", {{"cpu", r.cpu_limit}, {"memory", r.memory_limit}}}};
}

json::object non_root(std::int64_t uid, std::int64_t gid, bool read_only_root) {
    json::object sc{{"runAsUser", uid},
                    {"runAsGroup", gid},
                    {"runAsNonRoot", true},
                    {"allowPrivilegeEscalation", false},
                    {"capabilities", {{"drop", json::array{"ALL"}}}}};
    if (read_only_root) sc["readOnlyRootFilesystem"] = true;
    return sc;
}

std::string context_dir(const BuildRequest& r) {
    std::string dir(kSourceDir);
    if (!r.context_path.empty()) dir += "/" + r.context_path;
    return dir;
}

std::string dockerfile_path(const BuildRequest& r) {
    return context_dir(r) + "/" + (r.dockerfile.empty() ? std::string("Dockerfile") : r.dockerfile);
}

std::string cache_repository(const BuildRequest& r) { return r.image_repository + "/cache"; }

bool insecure(const BuildRequest& r, const BuildConfig& c) {
    return c.insecure_registries.count(registry_host(r.image_repository)) > 0;
}

// The pod spec's common container fields: a script run by `shell -c` with
// flags as its positional arguments. A failed container's last log lines
// become its termination message.
json::object script_container(std::string_view name, std::string_view image, std::string_view shell,
                              std::string_view script, std::string_view arg0, json::array args) {
    return {{"name", name},
            {"image", image},
            {"command", json::array{shell, "-c", script, arg0}},
            {"args", std::move(args)},
            {"terminationMessagePolicy", "FallbackToLogsOnError"}};
}

json::object clone_container(const BuildRequest& r, const BuildConfig& c, BuildType effective_type) {
    json::array env{
        env_var("HOME", "/workspace/.sb/home"),
        env_var("GIT_URL", r.git_url),
        env_var("GIT_REF", r.git_ref),
        env_var("CONTEXT_PATH", r.context_path),
        env_var("DOCKERFILE", r.dockerfile),
        env_var("BUILD_TYPE", to_string(effective_type)),
        env_var("IMAGE_REPOSITORY", r.image_repository),
        env_var("IMAGE_TAG", r.image_tag),
    };
    // Buildpacks read build-time variables as platform env files, written
    // by the clone step; dockerfile builds get them as --build-arg.
    std::string keys;
    if (effective_type != BuildType::dockerfile) {
        for (std::size_t i = 0; i < r.build_vars.size(); ++i) {
            if (!keys.empty()) keys += ' ';
            keys += r.build_vars[i].key;
            env.push_back(env_var("SBV_" + std::to_string(i), r.build_vars[i].value));
        }
    }
    env.push_back(env_var("BUILD_VAR_KEYS", keys));
    if (!r.source_digest.empty()) env.push_back(env_var("SOURCE_DIGEST", r.source_digest));  // nothing to clone
    if (!r.reusable_commits.empty()) {
        std::string commits;
        for (const auto& commit : r.reusable_commits) commits += (commits.empty() ? "" : " ") + commit;
        env.push_back(env_var("REUSABLE_COMMITS", commits));
    }

    json::array mounts{mount("workspace", kWorkspace)};
    if (!r.git_secret.empty()) mounts.push_back(mount("git-credentials", kGitCredentialsDir, true));

    auto container = script_container(kCloneContainer, c.git_image, "/bin/sh", scripts::clone, "clone", {});
    container.erase("args");
    container["env"] = std::move(env);
    container["volumeMounts"] = std::move(mounts);
    container["resources"] = resources(c.clone_resources);
    container["securityContext"] = non_root(c.git_uid, c.git_uid, true);
    return container;
}

// An uploaded source: the operator's own image fetches it from the registry
// with the registry Secret (read-only), as the build's uid, so the clone
// step and the builders find it as they would find a clone.
json::object source_container(const BuildRequest& r, const BuildConfig& c) {
    json::array env{env_var("SOURCE_REPOSITORY", r.source_repository), env_var("SOURCE_DIGEST", r.source_digest),
                    env_var("SOURCE_DIR", kSourceDir)};
    if (insecure(r, c)) env.push_back(env_var("SOURCE_INSECURE_REGISTRY", "true"));
    json::array mounts{mount("workspace", kWorkspace)};
    if (!r.registry_secret.empty()) {
        env.push_back(env_var("SOURCE_DOCKER_CONFIG", std::string(kRegistryConfigDir) + "/config.json"));
        mounts.push_back(mount("registry-credentials", kRegistryConfigDir, true));
    }
    return {{"name", kSourceContainer},
            {"image", c.source_image},
            {"args", json::array{"fetch-source"}},
            {"env", std::move(env)},
            {"volumeMounts", std::move(mounts)},
            {"resources", resources(c.clone_resources)},
            {"securityContext", non_root(c.git_uid, c.git_uid, true)},
            {"terminationMessagePolicy", "FallbackToLogsOnError"}};
}

json::object kaniko_container(const BuildRequest& r, const BuildConfig& c, std::string_view name) {
    json::array args{
        "--context=dir://" + context_dir(r),
        "--dockerfile=" + dockerfile_path(r),
        "--digest-file=/dev/termination-log",
        "--snapshot-mode=redo",
    };
    if (c.registry_cache) {
        args.push_back("--cache=true");
        args.push_back(json::string("--cache-repo=" + cache_repository(r)));
    }
    if (insecure(r, c)) {
        args.push_back(json::string("--insecure-registry=" + registry_host(r.image_repository)));
        args.push_back(json::string("--skip-tls-verify-registry=" + registry_host(r.image_repository)));
    }
    for (const auto& v : r.build_vars) args.push_back(json::string("--build-arg=" + v.key + "=" + v.value));

    json::array mounts{mount("workspace", kWorkspace)};
    if (!r.registry_secret.empty()) mounts.push_back(mount("registry-credentials", kKanikoDockerDir, true));

    auto container = script_container(name, c.kaniko_image, c.kaniko_shell, scripts::kaniko, "kaniko", std::move(args));
    container["env"] = json::array{env_var("DOCKER_CONFIG", kKanikoDockerDir)};
    container["volumeMounts"] = std::move(mounts);
    container["resources"] = resources(c.build_resources);
    // kaniko unpacks base images over its own root: it must be root in the
    // container, but needs no privilege and no escalation.
    container["securityContext"] = json::object{{"runAsUser", 0}, {"allowPrivilegeEscalation", false}};
    return container;
}

json::object buildah_container(const BuildRequest& r, const BuildConfig& c, std::string_view name) {
    json::array args{json::string("--file=" + dockerfile_path(r)), "--layers"};
    if (c.registry_cache) {
        args.push_back(json::string("--cache-to=" + cache_repository(r)));
        args.push_back(json::string("--cache-from=" + cache_repository(r)));
    }
    const bool tls_off = insecure(r, c);
    if (tls_off) args.push_back("--tls-verify=false");
    for (const auto& v : r.build_vars) args.push_back(json::string("--build-arg=" + v.key + "=" + v.value));

    json::array env{env_var("BUILDAH_ISOLATION", "chroot"),
                    env_var("STORAGE_DRIVER", "vfs"),
                    env_var("CONTEXT_DIR", context_dir(r)),
                    env_var("BUILDAH_PUSH_FLAGS", tls_off ? "--tls-verify=false" : "")};
    json::array mounts{mount("workspace", kWorkspace), mount("containers-storage", "/var/lib/containers")};
    if (!r.registry_secret.empty()) {
        env.push_back(env_var("REGISTRY_AUTH_FILE", std::string(kRegistryConfigDir) + "/config.json"));
        mounts.push_back(mount("registry-credentials", kRegistryConfigDir, true));
    }

    auto container = script_container(name, c.buildah_image, "/bin/sh", scripts::buildah, "buildah", std::move(args));
    container["env"] = std::move(env);
    container["volumeMounts"] = std::move(mounts);
    container["resources"] = resources(c.build_resources);
    // Unprivileged: chroot isolation and the vfs driver need neither
    // privileged mode nor extra capabilities.
    container["securityContext"] = json::object{{"runAsUser", 0}, {"privileged", false}};
    return container;
}

json::object creator_container(const BuildRequest& r, const BuildConfig& c, std::string_view name) {
    json::array args{
        json::string("-app=" + context_dir(r)),
        "-layers=/layers",
        "-platform=/workspace/platform",
        json::string("-uid=" + std::to_string(c.buildpack_uid)),
        json::string("-gid=" + std::to_string(c.buildpack_gid)),
        "-report=/layers/report.toml",
    };
    if (c.registry_cache) args.push_back(json::string("-cache-image=" + cache_repository(r)));
    if (!r.previous_image.empty()) args.push_back(json::string("-previous-image=" + r.previous_image));
    if (insecure(r, c)) args.push_back(json::string("-insecure-registry=" + registry_host(r.image_repository)));

    json::array env{env_var("CNB_PLATFORM_API", c.cnb_platform_api)};
    json::array mounts{mount("workspace", kWorkspace), mount("layers", "/layers")};
    if (!r.registry_secret.empty()) {
        env.push_back(env_var("DOCKER_CONFIG", kRegistryConfigDir));
        mounts.push_back(mount("registry-credentials", kRegistryConfigDir, true));
    }
    const std::string& image = r.builder_image.empty() ? c.buildpack_builder_image : r.builder_image;
    auto container = script_container(name, image, "/bin/sh", scripts::creator, "creator", std::move(args));
    container["env"] = std::move(env);
    container["volumeMounts"] = std::move(mounts);
    container["resources"] = resources(c.build_resources);
    container["securityContext"] = non_root(c.buildpack_uid, c.buildpack_gid, false);
    return container;
}

json::object dockerfile_container(const BuildRequest& r, const BuildConfig& c, std::string_view name) {
    return r.builder == DockerfileBuilder::buildah ? buildah_container(r, c, name) : kaniko_container(r, c, name);
}

json::object labels(const BuildRequest& r) {
    return {{"app.kubernetes.io/managed-by", "shapeblock"},
            {"app.kubernetes.io/component", "build"},
            {"shapeblock.io/app", r.app_name},
            {kBuildLabel, r.build_name}};
}

void require(const std::string& value, std::string_view field) {
    if (value.empty()) throw std::invalid_argument("build request: " + std::string(field) + " is required");
}

}  // namespace

std::string_view to_string(BuildType type) {
    switch (type) {
        case BuildType::dockerfile: return "dockerfile";
        case BuildType::buildpack: return "buildpack";
        case BuildType::image: return "image";
        case BuildType::detect: return "detect";
    }
    return "detect";
}

std::string_view to_string(DockerfileBuilder builder) {
    return builder == DockerfileBuilder::buildah ? "buildah" : "kaniko";
}

std::string job_name_for(std::string_view build_name) { return std::string(build_name); }

std::string commit_tag(std::string_view commit) {
    if (commit.starts_with("sha256:")) return "src-" + std::string(commit.substr(7, 12));
    return std::string(commit.substr(0, 12));
}

std::string registry_host(std::string_view repository) {
    auto slash = repository.find('/');
    return std::string(repository.substr(0, slash));
}

// Long on purpose: the Job is one JSON document written top to bottom in the
// order kubectl shows it, so it reads like the manifest it produces; its parts
// (scripts, volumes, env) are built by the helpers above.
json::object build_job(const BuildRequest& r, const BuildConfig& c) {
    require(r.namespace_, "namespace");
    require(r.app_name, "app name");
    require(r.build_name, "build name");
    require(r.build_uid, "build uid");
    if (r.source_digest.empty()) require(r.git_url, "spec.git.url");
    else require(r.source_repository, "source repository");
    require(r.image_repository, "image repository");
    if (r.type == BuildType::image) throw std::invalid_argument("build request: an image build needs no Job");

    json::array init_containers;
    if (!r.source_digest.empty()) init_containers.push_back(source_container(r, c));
    init_containers.push_back(clone_container(r, c, r.type));
    json::array containers;
    json::array volumes{json::object{{"name", "workspace"}, {"emptyDir", json::object{}}}};
    bool needs_layers = false, needs_storage = false;

    switch (r.type) {
        case BuildType::dockerfile:
            containers.push_back(dockerfile_container(r, c, kBuildContainer));
            needs_storage = r.builder == DockerfileBuilder::buildah;
            break;
        case BuildType::buildpack:
            containers.push_back(creator_container(r, c, kBuildContainer));
            needs_layers = true;
            break;
        case BuildType::detect:
            // Init containers run in order and main containers after them:
            // the dockerfile builder runs (or skips) first, then the creator.
            init_containers.push_back(dockerfile_container(r, c, kDockerfileContainer));
            containers.push_back(creator_container(r, c, kBuildpackContainer));
            needs_layers = true;
            needs_storage = r.builder == DockerfileBuilder::buildah;
            break;
        case BuildType::image: break;
    }

    if (needs_layers) volumes.push_back(json::object{{"name", "layers"}, {"emptyDir", json::object{}}});
    if (needs_storage) volumes.push_back(json::object{{"name", "containers-storage"}, {"emptyDir", json::object{}}});
    if (!r.git_secret.empty()) {
        volumes.push_back(json::object{
            {"name", "git-credentials"},
            {"secret", {{"secretName", r.git_secret}, {"defaultMode", 0440}}}});
    }
    if (!r.registry_secret.empty()) {
        volumes.push_back(json::object{
            {"name", "registry-credentials"},
            {"secret",
             {{"secretName", r.registry_secret},
              {"defaultMode", 0440},
              {"items", json::array{json::object{{"key", ".dockerconfigjson"}, {"path", "config.json"}}}}}}});
    }

    json::object pod_spec{
        {"restartPolicy", "Never"},
        {"automountServiceAccountToken", false},
        {"enableServiceLinks", false},
        // Secret files become readable by the non-root clone user.
        {"securityContext", {{"fsGroup", c.git_uid}}},
        {"initContainers", std::move(init_containers)},
        {"containers", std::move(containers)},
        {"volumes", std::move(volumes)},
    };
    if (!c.service_account.empty()) pod_spec["serviceAccountName"] = c.service_account;

    json::object owner{{"apiVersion", "apps.shapeblock.io/v1alpha1"},
                       {"kind", "AppBuild"},
                       {"name", r.build_name},
                       {"uid", r.build_uid},
                       {"controller", true},
                       {"blockOwnerDeletion", true}};

    json::object annotations{{kBuildTypeAnnotation, to_string(r.type)}};
    if (r.type != BuildType::buildpack) annotations["shapeblock.io/dockerfile-builder"] = to_string(r.builder);

    return json::object{
        {"apiVersion", "batch/v1"},
        {"kind", "Job"},
        {"metadata",
         {{"name", job_name_for(r.build_name)},
          {"namespace", r.namespace_},
          {"labels", labels(r)},
          {"annotations", std::move(annotations)},
          {"ownerReferences", json::array{std::move(owner)}}}},
        {"spec",
         {{"backoffLimit", 0},
          {"activeDeadlineSeconds", c.active_deadline_seconds},
          {"ttlSecondsAfterFinished", c.ttl_seconds_after_finished},
          {"template", {{"metadata", {{"labels", labels(r)}}}, {"spec", std::move(pod_spec)}}}}},
    };
}

}  // namespace sb::op::appbuild
