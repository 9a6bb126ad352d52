#include "operator/appbuild/job_builder.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "tests/operator/support/golden.hpp"

namespace json = boost::json;
using namespace sb::op::appbuild;
using sb::op::testing::compare_golden;
using sb::op::testing::pretty_json;

namespace {

BuildRequest base_request(BuildType type) {
    BuildRequest r;
    r.namespace_ = "my-project";
    r.app_name = "sample-app";
    r.build_name = "sample-app-build-1";
    r.build_uid = "7c9e6679-7425-40de-944b-e07fc1f90ae7";
    r.git_url = "https://github.com/example/sample-app.git";
    r.git_ref = "main";
    r.image_repository = "registry.shapeblock.io/my-project/sample-app";
    r.image_tag = "v1.0.0";
    r.registry_secret = "registry-credentials";
    r.type = type;
    r.build_vars = {{"NODE_ENV", "production"}, {"BUILD_FLAG", "true"}};
    return r;
}

const json::object& container(const json::object& job, std::string_view list, std::string_view name) {
    const auto& spec = job.at("spec").at("template").at("spec").as_object();
    for (const auto& c : spec.at(list).as_array())
        if (c.at("name").as_string() == name) return c.as_object();
    throw std::runtime_error("no container " + std::string(name));
}

bool has_string(const json::array& a, std::string_view s) {
    for (const auto& v : a)
        if (v.is_string() && v.as_string() == s) return true;
    return false;
}

std::string env_value(const json::object& c, std::string_view name) {
    for (const auto& e : c.at("env").as_array())
        if (e.at("name").as_string() == name) return std::string(e.at("value").as_string());
    return "<unset>";
}

const json::object* volume(const json::object& job, std::string_view name) {
    for (const auto& v : job.at("spec").at("template").at("spec").at("volumes").as_array())
        if (v.at("name").as_string() == name) return &v.as_object();
    return nullptr;
}

void expect_common(const json::object& job, const BuildRequest& r) {
    EXPECT_EQ(job.at("metadata").at("name").as_string(), r.build_name);
    EXPECT_EQ(job.at("metadata").at("namespace").as_string(), r.namespace_);
    for (const auto* labels : {&job.at("metadata").at("labels").as_object(),
                               &job.at("spec").at("template").at("metadata").at("labels").as_object()}) {
        EXPECT_EQ(labels->at("shapeblock.io/app").as_string(), r.app_name);
        EXPECT_EQ(labels->at("shapeblock.io/build").as_string(), r.build_name);
        EXPECT_EQ(labels->at("app.kubernetes.io/managed-by").as_string(), "shapeblock");
    }
    const auto& owner = job.at("metadata").at("ownerReferences").as_array().at(0).as_object();
    EXPECT_EQ(owner.at("kind").as_string(), "AppBuild");
    EXPECT_EQ(owner.at("uid").as_string(), r.build_uid);
    EXPECT_TRUE(owner.at("controller").as_bool());
    const auto& spec = job.at("spec").as_object();
    EXPECT_EQ(spec.at("backoffLimit").as_int64(), 0);
    EXPECT_GT(spec.at("activeDeadlineSeconds").as_int64(), 0);
    EXPECT_GT(spec.at("ttlSecondsAfterFinished").as_int64(), 0);
    const auto& pod = spec.at("template").at("spec").as_object();
    EXPECT_EQ(pod.at("restartPolicy").as_string(), "Never");
    EXPECT_FALSE(pod.at("automountServiceAccountToken").as_bool());

    const auto& clone = container(job, "initContainers", "clone");
    EXPECT_EQ(env_value(clone, "GIT_URL"), r.git_url);
    EXPECT_EQ(env_value(clone, "GIT_REF"), r.git_ref);
    EXPECT_EQ(env_value(clone, "IMAGE_REPOSITORY"), r.image_repository);
    EXPECT_TRUE(clone.at("securityContext").at("runAsNonRoot").as_bool());
    EXPECT_FALSE(clone.at("securityContext").at("allowPrivilegeEscalation").as_bool());
    // Every container reports its failure through its last log lines.
    for (std::string_view list : {"initContainers", "containers"}) {
        for (const auto& c : pod.at(list).as_array()) {
            EXPECT_EQ(c.at("terminationMessagePolicy").as_string(), "FallbackToLogsOnError");
            EXPECT_TRUE(c.as_object().contains("resources"));
            if (auto* sc = c.as_object().if_contains("securityContext"); sc && sc->as_object().contains("privileged")) {
                EXPECT_FALSE(sc->at("privileged").as_bool());
            }
        }
    }
}

}  // namespace

TEST(JobBuilder, KanikoDockerfileBuild) {
    auto r = base_request(BuildType::dockerfile);
    r.git_secret = "git-credentials";
    r.context_path = "services/web";
    r.dockerfile = "docker/Dockerfile.prod";
    BuildConfig config;
    auto job = build_job(r, config);
    expect_common(job, r);

    const auto& build = container(job, "containers", "build");
    EXPECT_EQ(build.at("image").as_string(), config.kaniko_image);
    const auto& args = build.at("args").as_array();
    EXPECT_TRUE(has_string(args, "--context=dir:///workspace/src/services/web"));
    EXPECT_TRUE(has_string(args, "--dockerfile=/workspace/src/services/web/docker/Dockerfile.prod"));
    EXPECT_TRUE(has_string(args, "--digest-file=/dev/termination-log"));
    EXPECT_TRUE(has_string(args, "--cache=true"));
    EXPECT_TRUE(has_string(args, "--cache-repo=registry.shapeblock.io/my-project/sample-app/cache"));
    EXPECT_TRUE(has_string(args, "--build-arg=NODE_ENV=production"));
    EXPECT_TRUE(has_string(args, "--build-arg=BUILD_FLAG=true"));
    // Build args go to kaniko, not to the clone step's platform env.
    EXPECT_EQ(env_value(container(job, "initContainers", "clone"), "BUILD_VAR_KEYS"), "");
    EXPECT_EQ(env_value(build, "DOCKER_CONFIG"), "/kaniko/.docker");

    const auto* git = volume(job, "git-credentials");
    ASSERT_NE(git, nullptr);
    EXPECT_EQ(git->at("secret").at("secretName").as_string(), "git-credentials");
    const auto* reg = volume(job, "registry-credentials");
    ASSERT_NE(reg, nullptr);
    EXPECT_EQ(reg->at("secret").at("items").at(0).at("key").as_string(), ".dockerconfigjson");
    EXPECT_EQ(volume(job, "layers"), nullptr);

    EXPECT_EQ(compare_golden("jobs/kaniko.json", pretty_json(job)), "");
}

TEST(JobBuilder, KanikoWithoutCacheOrCredentials) {
    auto r = base_request(BuildType::dockerfile);
    r.registry_secret.clear();
    BuildConfig config;
    config.registry_cache = false;
    auto job = build_job(r, config);
    const auto& args = container(job, "containers", "build").at("args").as_array();
    for (const auto& a : args) EXPECT_EQ(std::string(a.as_string()).find("--cache"), std::string::npos);
    EXPECT_EQ(volume(job, "registry-credentials"), nullptr);
    EXPECT_EQ(volume(job, "git-credentials"), nullptr);
}

TEST(JobBuilder, BuildahDockerfileBuild) {
    auto r = base_request(BuildType::dockerfile);
    r.builder = DockerfileBuilder::buildah;
    r.image_tag.clear();
    r.image_repository = "10.88.0.1:5000/my-project/sample-app";
    BuildConfig config;
    config.insecure_registries = {"10.88.0.1:5000"};
    auto job = build_job(r, config);
    expect_common(job, r);

    const auto& build = container(job, "containers", "build");
    EXPECT_EQ(build.at("image").as_string(), config.buildah_image);
    EXPECT_EQ(env_value(build, "BUILDAH_ISOLATION"), "chroot");
    EXPECT_EQ(env_value(build, "BUILDAH_PUSH_FLAGS"), "--tls-verify=false");
    EXPECT_EQ(env_value(build, "REGISTRY_AUTH_FILE"), "/etc/shapeblock/registry/config.json");
    const auto& args = build.at("args").as_array();
    EXPECT_EQ(env_value(build, "STORAGE_DRIVER"), "vfs");
    // The script passes the driver to build and push alike.
    const std::string script(build.at("command").at(2).as_string());
    EXPECT_NE(script.find("buildah --storage-driver=\"$STORAGE_DRIVER\" build"), std::string::npos) << script;
    EXPECT_NE(script.find("buildah --storage-driver=\"$STORAGE_DRIVER\" push"), std::string::npos) << script;
    EXPECT_TRUE(has_string(args, "--tls-verify=false"));
    EXPECT_TRUE(has_string(args, "--build-arg=NODE_ENV=production"));
    EXPECT_FALSE(build.at("securityContext").at("privileged").as_bool());
    EXPECT_NE(volume(job, "containers-storage"), nullptr);
    // No tag given: the clone step derives it from the commit.
    EXPECT_EQ(env_value(container(job, "initContainers", "clone"), "IMAGE_TAG"), "");

    EXPECT_EQ(compare_golden("jobs/buildah.json", pretty_json(job)), "");
}

TEST(JobBuilder, BuildpackBuild) {
    auto r = base_request(BuildType::buildpack);
    r.builder_image = "paketobuildpacks/builder:base";
    r.previous_image = "registry.shapeblock.io/my-project/sample-app:v0.9.0";
    BuildConfig config;
    auto job = build_job(r, config);
    expect_common(job, r);

    const auto& build = container(job, "containers", "build");
    EXPECT_EQ(build.at("image").as_string(), "paketobuildpacks/builder:base");
    EXPECT_EQ(env_value(build, "CNB_PLATFORM_API"), config.cnb_platform_api);
    const auto& args = build.at("args").as_array();
    EXPECT_TRUE(has_string(args, "-app=/workspace/src"));
    EXPECT_TRUE(has_string(args, "-platform=/workspace/platform"));
    EXPECT_TRUE(has_string(args, "-previous-image=registry.shapeblock.io/my-project/sample-app:v0.9.0"));
    EXPECT_TRUE(has_string(args, "-cache-image=registry.shapeblock.io/my-project/sample-app/cache"));
    EXPECT_TRUE(has_string(args, "-uid=1000"));
    EXPECT_EQ(build.at("securityContext").at("runAsUser").as_int64(), 1000);
    EXPECT_TRUE(build.at("securityContext").at("runAsNonRoot").as_bool());
    // Build vars become platform env files written by the clone step.
    const auto& clone = container(job, "initContainers", "clone");
    EXPECT_EQ(env_value(clone, "BUILD_VAR_KEYS"), "NODE_ENV BUILD_FLAG");
    EXPECT_EQ(env_value(clone, "SBV_0"), "production");
    EXPECT_NE(volume(job, "layers"), nullptr);

    EXPECT_EQ(compare_golden("jobs/buildpack.json", pretty_json(job)), "");
}

TEST(JobBuilder, DetectRunsBothBuildersInOrder) {
    auto r = base_request(BuildType::detect);
    // Commits built before with the same settings: the clone step reuses them.
    r.reusable_commits = {"3f786850e387550fdab836ed7e6dc881de23001b", "89e6c98d92887913cadf06b2adb97f26cde4849b"};
    BuildConfig config;
    auto job = build_job(r, config);
    expect_common(job, r);
    const auto& pod = job.at("spec").at("template").at("spec").as_object();
    ASSERT_EQ(pod.at("initContainers").as_array().size(), 2u);
    EXPECT_EQ(pod.at("initContainers").at(1).at("name").as_string(), "build-dockerfile");
    ASSERT_EQ(pod.at("containers").as_array().size(), 1u);
    EXPECT_EQ(pod.at("containers").at(0).at("name").as_string(), "build-buildpack");
    EXPECT_EQ(env_value(container(job, "initContainers", "clone"), "BUILD_TYPE"), "detect");
    EXPECT_EQ(env_value(container(job, "initContainers", "clone"), "BUILD_VAR_KEYS"), "NODE_ENV BUILD_FLAG");
    EXPECT_EQ(env_value(container(job, "initContainers", "clone"), "REUSABLE_COMMITS"),
              "3f786850e387550fdab836ed7e6dc881de23001b 89e6c98d92887913cadf06b2adb97f26cde4849b");
    EXPECT_EQ(compare_golden("jobs/detect.json", pretty_json(job)), "");
}

TEST(JobBuilder, ImageBuildsAndIncompleteRequestsAreRefused) {
    BuildConfig config;
    EXPECT_THROW(build_job(base_request(BuildType::image), config), std::invalid_argument);
    auto r = base_request(BuildType::dockerfile);
    r.git_url.clear();
    try {
        build_job(r, config);
        FAIL() << "expected invalid_argument";
    } catch (const std::invalid_argument& e) {
        EXPECT_NE(std::string(e.what()).find("spec.git.url"), std::string::npos);
    }
}

TEST(JobBuilder, JobNameIsTheBuildNameAndRegistryHostIsParsed) {
    EXPECT_EQ(job_name_for("app-build-7"), "app-build-7");
    EXPECT_EQ(registry_host("reg.example.com:5000/p/a"), "reg.example.com:5000");
    EXPECT_EQ(registry_host("reg.example.com"), "reg.example.com");
}

TEST(JobBuilder, AnUploadedSourceIsFetchedByTheOperatorsImageBeforeTheCloneStep) {
    BuildRequest r = base_request(BuildType::dockerfile);
    r.git_url.clear();
    r.git_ref.clear();
    r.source_digest = "sha256:" + std::string(64, 'c');
    r.source_repository = r.image_repository + "/source";
    BuildConfig c;
    c.source_image = "ghcr.io/shapeblock/shapeblock-operator:test";
    c.insecure_registries = {"registry.shapeblock.io"};
    const auto job = build_job(r, c);
    const auto& inits = job.at("spec").at("template").at("spec").at("initContainers").as_array();
    ASSERT_EQ(inits.size(), 2u);
    EXPECT_EQ(inits[0].at("name").as_string(), "source") << "the source is fetched before the clone step runs";
    EXPECT_EQ(inits[1].at("name").as_string(), "clone");
    const auto& source = container(job, "initContainers", "source");
    EXPECT_EQ(source.at("image").as_string(), c.source_image);
    EXPECT_EQ(source.at("args").as_array(), (json::array{"fetch-source"}));
    EXPECT_EQ(env_value(source, "SOURCE_REPOSITORY"), "registry.shapeblock.io/my-project/sample-app/source");
    EXPECT_EQ(env_value(source, "SOURCE_DIGEST"), r.source_digest);
    EXPECT_EQ(env_value(source, "SOURCE_DIR"), "/workspace/src");
    EXPECT_EQ(env_value(source, "SOURCE_INSECURE_REGISTRY"), "true");
    EXPECT_EQ(env_value(source, "SOURCE_DOCKER_CONFIG"), "/etc/shapeblock/registry/config.json");
    bool mounted = false;
    for (const auto& m : source.at("volumeMounts").as_array())
        if (m.at("name") == "registry-credentials") mounted = m.at("readOnly").as_bool();
    EXPECT_TRUE(mounted) << "the registry Secret, read-only";
    EXPECT_EQ(source.at("securityContext").at("runAsNonRoot").as_bool(), true);
    EXPECT_EQ(source.at("securityContext").at("readOnlyRootFilesystem").as_bool(), true);
    const auto& clone = container(job, "initContainers", "clone");
    EXPECT_EQ(env_value(clone, "SOURCE_DIGEST"), r.source_digest);
    EXPECT_EQ(env_value(clone, "GIT_URL"), "");

    BuildRequest git = base_request(BuildType::dockerfile);
    EXPECT_EQ(build_job(git, c).at("spec").at("template").at("spec").at("initContainers").as_array().size(), 1u)
        << "a git build has no source step";
    r.source_repository.clear();
    EXPECT_THROW(build_job(r, c), std::invalid_argument);
}

TEST(JobBuilder, ABuildWithoutImageTagIsTaggedAfterItsCommitOrUpload) {
    EXPECT_EQ(commit_tag("3f786850e387550fdab836ed7e6dc881de23001b"), "3f786850e387");
    EXPECT_EQ(commit_tag("sha256:" + std::string(64, 'd')), "src-dddddddddddd");
}
