#include "operator/registry/registry_auth.hpp"

#include <gtest/gtest.h>

#include "common/base64.hpp"
#include "operator/source/source_artifact.hpp"

namespace sb::op::registry {
namespace {

TEST(RegistryAuth, ChallengesAreParsedAsRegistriesSendThem) {
    auto bearer = parse_challenge(
        R"(Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:samalba/my-app:pull,push")");
    ASSERT_TRUE(bearer);
    EXPECT_EQ(bearer->scheme, "bearer");
    EXPECT_EQ(bearer->realm, "https://auth.docker.io/token");
    EXPECT_EQ(bearer->service, "registry.docker.io");
    EXPECT_EQ(bearer->scope, "repository:samalba/my-app:pull,push");
    auto basic = parse_challenge(R"(Basic realm="shapeblock-local")");
    ASSERT_TRUE(basic);
    EXPECT_EQ(basic->scheme, "basic");
    auto spaced = parse_challenge(R"(  bearer realm=https://h/token , service = "x\"y")");
    ASSERT_TRUE(spaced);
    EXPECT_EQ(spaced->realm, "https://h/token");
    EXPECT_FALSE(parse_challenge(""));
    EXPECT_FALSE(parse_challenge(R"(Bearer realm="unterminated)"));
}

TEST(RegistryAuth, TheLoginForAHostComesFromTheDockerConfig) {
    const std::string config = R"({"auths":{
        "registry.example.com:5000":{"auth":")" + base64_encode("builder:s3cret:with-colon") + R"("},
        "https://index.docker.io/v1/":{"username":"hub","password":"hubpass"},
        "http://other.example.com/v2/":{"username":"o","password":"p"}}})";
    auto mine = credentials_for(config, "registry.example.com:5000");
    ASSERT_TRUE(mine);
    EXPECT_EQ(mine->username, "builder");
    EXPECT_EQ(mine->password, "s3cret:with-colon");
    auto hub = credentials_for(config, "registry-1.docker.io");
    ASSERT_TRUE(hub);
    EXPECT_EQ(hub->username, "hub");
    EXPECT_TRUE(credentials_for(config, "other.example.com"));
    EXPECT_FALSE(credentials_for(config, "registry.example.com")) << "another port is another registry";
    EXPECT_FALSE(credentials_for(R"({"auths":{}})", "x"));
    EXPECT_THROW(credentials_for("[]", "x"), std::invalid_argument);
    EXPECT_THROW(credentials_for(R"({"auths":{"x":{"auth":"bm9jb2xvbg=="}}})", "x"), std::invalid_argument) << "no colon";
    EXPECT_EQ(basic_authorization({"a", "b"}), "Basic " + base64_encode("a:b"));
}

TEST(RegistryAuth, TokenAnswers) {
    EXPECT_EQ(token_from_answer(R"({"token":"t1","expires_in":60})").value_or(""), "t1");
    EXPECT_EQ(token_from_answer(R"({"access_token":"t2"})").value_or(""), "t2");
    EXPECT_FALSE(token_from_answer(R"({"error":"denied"})"));
    EXPECT_FALSE(token_from_answer("not json"));
}

TEST(SourceArtifact, AnUploadIsAnOciArtifactNextToTheAppsImages) {
    const std::string digest = "sha256:" + std::string(64, 'e');
    EXPECT_EQ(source::source_repository("reg:5000/shop/web"), "reg:5000/shop/web/source");
    EXPECT_EQ(source::source_tag(digest), "sha256-" + std::string(64, 'e'));
    EXPECT_EQ(source::empty_config_digest(), "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a")
        << "the OCI empty descriptor's digest";
    EXPECT_EQ(source::source_manifest(digest, 1234),
              R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json",)"
              R"("artifactType":"application/vnd.shapeblock.source.v1",)"
              R"("config":{"mediaType":"application/vnd.oci.empty.v1+json",)"
              R"("digest":"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a","size":2},)"
              R"("layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":")" +
                  digest + R"(","size":1234,"annotations":{"org.opencontainers.image.title":"source.tar.gz"}}]})");
}

}  // namespace
}  // namespace sb::op::registry
