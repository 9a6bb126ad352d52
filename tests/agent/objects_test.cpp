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

}  // namespace
}  // namespace sb::agent
