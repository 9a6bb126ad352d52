#include "agent/objects.hpp"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

namespace sb::agent {
namespace {

std::optional<Error> check(const char* text) {
    ObjectRef ref;
    return check_object(boost::json::parse(text).as_object(), ref);
}

TEST(AgentObjects, TheFourKindsOfTheOriginalDesignAreShapeBlockObjects) {
    EXPECT_FALSE(check(
        R"({"apiVersion":"apps.shapeblock.io/v1alpha1","kind":"Project","metadata":{"name":"shop"}})"));
    for (const char* kind : {"App", "AppBuild", "Service"}) {
        auto text = std::string(R"({"apiVersion":"apps.shapeblock.io/v1alpha1","kind":")") + kind +
                    R"(","metadata":{"name":"web","namespace":"shop"}})";
        EXPECT_FALSE(check(text.c_str())) << kind;
    }
}

TEST(AgentObjects, ScopeAndNamesAreChecked) {
    auto e = check(
        R"({"apiVersion":"apps.shapeblock.io/v1alpha1","kind":"Project","metadata":{"name":"shop","namespace":"x"}})");
    ASSERT_TRUE(e);
    EXPECT_NE(e->message.find("cluster-scoped"), std::string::npos);
    EXPECT_TRUE(check(
        R"({"apiVersion":"apps.shapeblock.io/v1alpha1","kind":"App","metadata":{"name":"web"}})"));
    EXPECT_TRUE(check(
        R"({"apiVersion":"apps.shapeblock.io/v1alpha1","kind":"App","metadata":{"name":"-web","namespace":"s"}})"));
    EXPECT_TRUE(check(
        R"({"apiVersion":"apps.shapeblock.io/v1alpha1","kind":"App","metadata":{"name":"web","namespace":"S"}})"));
    EXPECT_TRUE(
        check(R"({"apiVersion":"apps.shapeblock.io/v1alpha1","kind":"App","metadata":{}})"));
    EXPECT_TRUE(check(R"({"kind":"App","metadata":{"name":"web","namespace":"shop"}})"));
}

TEST(AgentObjects, RefFillsFromTheObject) {
    ObjectRef ref;
    EXPECT_FALSE(check_object(
        boost::json::parse(R"({"apiVersion":"apps.shapeblock.io/v1alpha1","kind":"AppBuild",
                                                    "metadata":{"name":"web-1","namespace":"shop"}})")
            .as_object(),
        ref));
    EXPECT_EQ(ref, (ObjectRef{"AppBuild", "shop", "web-1"}));
}

TEST(AgentObjects, AnAppSecretNamesOneOfThreeSecretsOfItsApp) {
    EXPECT_EQ(app_secret_name("web", "env"), "web-env");
    EXPECT_EQ(app_secret_name("web", "git"), "web-git");
    EXPECT_EQ(app_secret_name("web", "registry"), "web-registry");
    EXPECT_FALSE(check_app_secret({"shop", "web", "env", {{"DATABASE_URL", "x"}, {"_x.y-z", "y"}, {"a9", ""}}}));
    EXPECT_FALSE(check_app_secret({"shop", "web", "git", {{"token", "t"}}}));
    EXPECT_FALSE(check_app_secret({"shop", "web", "registry", {{".dockerconfigjson", "{}"}}}));
    EXPECT_FALSE(check_app_secret({"shop", "web", "env", {}}));
    auto e = check_app_secret({"shop", "web", "ssh", {}});
    ASSERT_TRUE(e);
    EXPECT_EQ(e->code, ErrorCode::forbidden);
    for (const char* key : {"", ".", "..", "9LIVES", "A=B", "Ä"}) {
        e = check_app_secret({"shop", "web", "env", {{key, "v"}}});
        ASSERT_TRUE(e) << key;
        EXPECT_EQ(e->code, ErrorCode::malformed) << key;
    }
}

}  // namespace
}  // namespace sb::agent
