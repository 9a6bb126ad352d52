#include "operator/app/app_validation.hpp"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

#include "operator/common/crd_types.hpp"

namespace json = boost::json;
using namespace sb;
using namespace sb::op;

namespace {

json::object app(const std::string& spec) {
    return json::parse(R"({"metadata":{"name":"web","namespace":"shop"},"spec":)" + spec + "}").as_object();
}

const std::string kRegistry = R"("registry":{"url":"registry.example.com"})";

bool mentions(const AppValidation& v, const std::string& text) { return v.message().find(text) != std::string::npos; }

}  // namespace

TEST(AppValidation, SshUrlDetection) {
    EXPECT_TRUE(is_ssh_git_url("git@github.com:org/repo.git"));
    EXPECT_TRUE(is_ssh_git_url("ssh://git@host:22/org/repo"));
    EXPECT_FALSE(is_ssh_git_url("https://github.com/org/repo.git"));
    EXPECT_FALSE(is_ssh_git_url("http://host:8080/org/repo"));
}

TEST(AppValidation, DocumentedExamplesAreValid) {
    auto v = validate_app(app(R"({"git":{"url":"https://github.com/example/sample-app.git","branch":"main",
        "secretName":"git-credentials","isPrivate":true},"registry":{"url":"registry.shapeblock.io","secretName":"r"}})"));
    EXPECT_TRUE(v.valid()) << v.message();
    EXPECT_EQ(v.build_type, "detect");
    EXPECT_FALSE(v.needs_deploy_key);

    v = validate_app(app(R"({"git":{"url":"https://github.com/example/app.git"},)" + kRegistry +
                         R"(,"build":{"type":"buildpack","builderImage":"paketobuildpacks/builder:base"}})"));
    EXPECT_TRUE(v.valid()) << v.message();
    EXPECT_EQ(v.build_type, "buildpack");

    v = validate_app(app(R"({"git":{"url":"https://github.com/example/app.git"},)" + kRegistry +
                         R"(,"build":{"type":"image","image":"registry.shapeblock.io/my-project/sample-app:v1.0.0"}})"));
    EXPECT_TRUE(v.valid()) << v.message();
    EXPECT_EQ(v.build_type, "image");
}

TEST(AppValidation, ImageTypeNeedsImage) {
    auto v = validate_app(app(R"({"git":{"url":"https://h/o/r"},)" + kRegistry + R"(,"build":{"type":"image"}})"));
    ASSERT_FALSE(v.valid());
    EXPECT_TRUE(mentions(v, "build.image is empty")) << v.message();
}

TEST(AppValidation, ImageWithoutTypeMeansImage) {
    auto v = validate_app(app(R"({"git":{"url":"https://h/o/r"},"build":{"image":"nginx:1.27"}})"));
    EXPECT_TRUE(v.valid()) << v.message();  // no registry needed: nothing is pushed
    EXPECT_EQ(v.build_type, "image");
}

TEST(AppValidation, ImageWithDockerfileTypeIsAmbiguous) {
    auto v = validate_app(app(R"({"git":{"url":"https://h/o/r"},)" + kRegistry +
                              R"(,"build":{"type":"dockerfile","image":"nginx"}})"));
    EXPECT_TRUE(mentions(v, "build.image is only used with build.type image")) << v.message();
}

TEST(AppValidation, BuilderSettingsMustMatchTheType) {
    auto v = validate_app(app(R"({"git":{"url":"https://h/o/r"},)" + kRegistry +
                              R"(,"build":{"type":"dockerfile","builderImage":"paketo/b"}})"));
    EXPECT_TRUE(mentions(v, "builderImage is only used by buildpack")) << v.message();
    v = validate_app(app(R"({"git":{"url":"https://h/o/r"},)" + kRegistry +
                         R"(,"build":{"type":"buildpack","builder":"kaniko"}})"));
    EXPECT_TRUE(mentions(v, "build.builder")) << v.message();
}

TEST(AppValidation, PathsStayInTheRepository) {
    auto v = validate_app(app(R"({"git":{"url":"https://h/o/r"},)" + kRegistry +
                              R"(,"build":{"contextPath":"app/../../etc"}})"));
    EXPECT_TRUE(mentions(v, "leaves the repository")) << v.message();
}

TEST(AppValidation, BuildsNeedARegistry) {
    auto v = validate_app(app(R"({"git":{"url":"https://h/o/r"}})"));
    EXPECT_TRUE(mentions(v, "no registry")) << v.message();
    v = validate_app(app(R"({"git":{"url":"https://h/o/r"}})"), {.default_registry = "registry.local:5000"});
    EXPECT_TRUE(v.valid()) << v.message();
}

TEST(AppValidation, PrivateRepositoryCredentials) {
    // SSH URL, private, no secret: a deploy key is generated.
    auto v = validate_app(app(R"({"git":{"url":"git@github.com:o/r.git","isPrivate":true},)" + kRegistry + "}"));
    EXPECT_TRUE(v.valid()) << v.message();
    EXPECT_TRUE(v.needs_deploy_key);
    // A public repository needs no key, whatever its URL (and a key made
    // while it was private goes when it stops being private).
    v = validate_app(app(R"({"git":{"url":"ssh://git@host/o/r"},)" + kRegistry + "}"));
    EXPECT_TRUE(v.valid()) << v.message();
    EXPECT_FALSE(v.needs_deploy_key);
    v = validate_app(app(R"({"git":{"url":"git@github.com:o/r.git","isPrivate":false},)" + kRegistry + "}"));
    EXPECT_FALSE(v.needs_deploy_key);
    // A given secret wins.
    v = validate_app(app(R"({"git":{"url":"git@github.com:o/r.git","isPrivate":true,"secretName":"s"},)" + kRegistry + "}"));
    EXPECT_FALSE(v.needs_deploy_key);
    // https + private + no secret: a deploy key cannot help.
    v = validate_app(app(R"({"git":{"url":"https://github.com/o/r.git","isPrivate":true},)" + kRegistry + "}"));
    EXPECT_FALSE(v.valid());
    EXPECT_FALSE(v.needs_deploy_key);
    EXPECT_TRUE(mentions(v, "use the SSH URL")) << v.message();
}

TEST(AppValidation, EnvValueAndValueFromExclusive) {
    auto v = validate_app(app(R"({"git":{"url":"https://h/o/r"},)" + kRegistry +
                              R"(,"env":[{"name":"A","value":"1","valueFrom":{"secretKeyRef":{"name":"s","key":"k"}}}]})"));
    EXPECT_TRUE(mentions(v, "env A has both")) << v.message();
}

TEST(AppValidation, SeveralProblemsInOneMessage) {
    auto v = validate_app(app(R"({"git":{"url":"https://h/o/r","isPrivate":true},"build":{"type":"dockerfile"}})"));
    EXPECT_EQ(v.problems.size(), 2u);
    EXPECT_NE(v.message().find("; "), std::string::npos);
}

TEST(AppImmutableFields, GitUrlChangeIsIgnored) {
    auto a = app(R"({"git":{"url":"https://h/o/new"}})");
    a["metadata"].as_object()["annotations"] = json::object{{std::string(kAcceptedGitUrlAnnotation), "https://h/o/old"}};
    auto check = apply_immutable_fields(a);
    ASSERT_EQ(check.ignored.size(), 1u);
    EXPECT_NE(check.ignored[0].find("git.url cannot change"), std::string::npos);
    EXPECT_EQ(get_string(check.effective, "spec.git.url"), "https://h/o/old");
    EXPECT_EQ(effective_git_url(a), "https://h/o/old");
}

TEST(AppImmutableFields, NoRecordMeansNothingIgnored) {
    auto a = app(R"({"git":{"url":"https://h/o/r","branch":"dev"}})");
    auto check = apply_immutable_fields(a);
    EXPECT_TRUE(check.ignored.empty());
    EXPECT_EQ(check.effective, a);
    EXPECT_EQ(effective_git_url(a), "https://h/o/r");
}
