#include "operator/appbuild/build_plan.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace json = boost::json;
using namespace sb::op::appbuild;

namespace {
json::object app(const std::string& extra_spec = "") {
    return json::parse(R"({"metadata":{"name":"web","namespace":"proj","uid":"u1"},
        "spec":{"git":{"url":"https://g/x.git","branch":"main"}, "registry":{"url":"reg.example.com/"})" +
                       extra_spec + "}}")
        .as_object();
}
json::object build(const std::string& spec) {
    return json::parse(R"({"metadata":{"name":"web-1","namespace":"proj","uid":"b1"},"spec":)" + spec + "}").as_object();
}
const RegistryDefaults kRegistry{"default.example.com", "registry-credentials"};
}  // namespace

TEST(BuildPlan, DefaultsFromTheApp) {
    auto plan = plan_build(app(), build(R"({"appName":"web"})"), BuildConfig{}, kRegistry);
    EXPECT_FALSE(plan.image_only);
    EXPECT_EQ(plan.request.git_ref, "main");
    EXPECT_EQ(plan.request.image_repository, "reg.example.com/proj/web");
    EXPECT_EQ(plan.request.registry_secret, "registry-credentials");
    EXPECT_EQ(plan.request.type, BuildType::detect);
    EXPECT_EQ(plan.request.builder, DockerfileBuilder::kaniko);
    EXPECT_EQ(plan.settings_fingerprint.size(), 32u);
}

TEST(BuildPlan, ExplicitSettings) {
    auto plan = plan_build(app(R"(,"build":{"type":"dockerfile","builder":"buildah","contextPath":"svc"},
                                  "git":{"url":"git@g:x.git","secretName":"deploy-key","isPrivate":true})"),
                           build(R"({"appName":"web","gitRef":"v2","imageTag":"2.0","buildVars":[{"key":"A","value":"1"}]})"),
                           BuildConfig{}, kRegistry);
    EXPECT_EQ(plan.request.type, BuildType::dockerfile);
    EXPECT_EQ(plan.request.builder, DockerfileBuilder::buildah);
    EXPECT_EQ(plan.request.git_ref, "v2");
    EXPECT_EQ(plan.request.git_secret, "deploy-key");
    EXPECT_EQ(plan.request.context_path, "svc");
    ASSERT_EQ(plan.request.build_vars.size(), 1u);
}

TEST(BuildPlan, FingerprintChangesWithSettingsNotWithTheBuild) {
    auto a = plan_build(app(), build(R"({"appName":"web","gitRef":"x","imageTag":"1"})"), BuildConfig{}, kRegistry);
    auto b = plan_build(app(), build(R"({"appName":"web","gitRef":"y","imageTag":"2"})"), BuildConfig{}, kRegistry);
    auto c = plan_build(app(), build(R"({"appName":"web","buildVars":[{"key":"A","value":"1"}]})"), BuildConfig{}, kRegistry);
    EXPECT_EQ(a.settings_fingerprint, b.settings_fingerprint);
    EXPECT_NE(a.settings_fingerprint, c.settings_fingerprint);
}

TEST(BuildPlan, ImageBuildsAndErrors) {
    auto rollback = plan_build(app(), build(R"({"appName":"web","image":"reg/proj/web:old"})"), BuildConfig{}, kRegistry);
    EXPECT_TRUE(rollback.image_only);
    EXPECT_EQ(rollback.image, "reg/proj/web:old");
    auto typed = plan_build(app(R"(,"build":{"type":"image","image":"nginx:1.27"})"), build(R"({"appName":"web"})"),
                            BuildConfig{}, kRegistry);
    EXPECT_EQ(typed.image, "nginx:1.27");
    EXPECT_THROW(plan_build(app(R"(,"build":{"type":"image"})"), build(R"({"appName":"web"})"), BuildConfig{}, kRegistry),
                 std::invalid_argument);
    auto private_app = json::parse(R"({"metadata":{"name":"web"},"spec":{"git":{"url":"git@g:x.git","isPrivate":true}}})").as_object();
    EXPECT_THROW(plan_build(private_app, build(R"({"appName":"web"})"), BuildConfig{}, kRegistry), std::invalid_argument);
    auto no_registry = json::parse(R"({"metadata":{"name":"web"},"spec":{"git":{"url":"https://g/x.git"}}})").as_object();
    EXPECT_THROW(plan_build(no_registry, build(R"({"appName":"web"})"), BuildConfig{}, RegistryDefaults{}), std::invalid_argument);
    EXPECT_TRUE(is_commit_sha(std::string(40, 'a')));
    EXPECT_FALSE(is_commit_sha("main"));
}

TEST(BuildPlan, TheDeployKeyServesAPrivateRepositoryOnly) {
    const auto with_key = [](std::string_view git) {
        return json::parse(R"({"metadata":{"name":"web"},"spec":{"git":)" + std::string(git) +
                           R"(},"status":{"deployKeySecretName":"web-ssh"}})")
            .as_object();
    };
    auto private_repo = plan_build(with_key(R"({"url":"git@github.com:acme/web.git","isPrivate":true})"),
                                   build(R"({"appName":"web"})"), BuildConfig{}, kRegistry);
    EXPECT_EQ(private_repo.request.git_secret, "web-ssh");
    EXPECT_EQ(private_repo.request.git_url, "git@github.com:acme/web.git");
    // No longer private (the key is being deleted): cloned anonymously, over https.
    auto public_repo = plan_build(with_key(R"({"url":"git@github.com:acme/web.git","isPrivate":false})"),
                                  build(R"({"appName":"web"})"), BuildConfig{}, kRegistry);
    EXPECT_EQ(public_repo.request.git_secret, "");
    EXPECT_EQ(public_repo.request.git_url, "https://github.com/acme/web.git");
    // A secret of the user's wins over the key.
    auto own_secret = plan_build(with_key(R"({"url":"git@github.com:acme/web.git","isPrivate":true,"secretName":"mine"})"),
                                 build(R"({"appName":"web"})"), BuildConfig{}, kRegistry);
    EXPECT_EQ(own_secret.request.git_secret, "mine");
    EXPECT_EQ(own_secret.request.git_url, "git@github.com:acme/web.git");
}

TEST(BuildPlan, AnonymousCloneUrls) {
    EXPECT_EQ(anonymous_clone_url("git@github.com:acme/web.git"), "https://github.com/acme/web.git");
    EXPECT_EQ(anonymous_clone_url("ssh://git@gitlab.example.com/group/sub/web.git"),
              "https://gitlab.example.com/group/sub/web.git");
    EXPECT_EQ(anonymous_clone_url("ssh://git@git.example.com:2222/web.git"), "ssh://git@git.example.com:2222/web.git");
    EXPECT_EQ(anonymous_clone_url("https://github.com/acme/web.git"), "https://github.com/acme/web.git");
    EXPECT_EQ(anonymous_clone_url("file:///srv/git/web.git"), "file:///srv/git/web.git");
}

TEST(BuildPlan, AnUploadedSourceNeedsNoRepository) {
    const std::string digest = "sha256:" + std::string(64, 'b');
    auto no_git = json::parse(R"({"metadata":{"name":"web","namespace":"proj","uid":"u1"},"spec":{"registry":{"url":"reg.example.com"}}})")
                      .as_object();
    auto plan = plan_build(no_git, build(R"({"appName":"web","source":{"kind":"upload","digest":")" + digest + R"("}})"),
                           BuildConfig{}, kRegistry);
    EXPECT_EQ(plan.request.source_digest, digest);
    EXPECT_EQ(plan.request.source_repository, "reg.example.com/proj/web/source");
    EXPECT_EQ(plan.request.git_url, "");
    // The same App, once with git: an upload's builds share a fingerprint, apart from git builds'.
    auto upload_with_git = plan_build(app(), build(R"({"appName":"web","source":{"kind":"upload","digest":")" + digest + R"("}})"),
                                      BuildConfig{}, kRegistry);
    auto git = plan_build(app(), build(R"({"appName":"web"})"), BuildConfig{}, kRegistry);
    EXPECT_NE(upload_with_git.settings_fingerprint, git.settings_fingerprint);
    EXPECT_EQ(upload_with_git.request.git_url, "");

    EXPECT_THROW(plan_build(no_git, build(R"({"appName":"web"})"), BuildConfig{}, kRegistry), std::invalid_argument)
        << "a git build of an App without a repository";
    EXPECT_THROW(plan_build(no_git, build(R"({"appName":"web","source":{"kind":"upload"}})"), BuildConfig{}, kRegistry),
                 std::invalid_argument);
}
