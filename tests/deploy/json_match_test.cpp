#include <gtest/gtest.h>

#include "tests/deploy/json_match.hpp"

namespace sb::deploytest {
namespace {
namespace json = boost::json;

TEST(JsonContains, AcceptsSupersetsAndNamesTheFirstDifference) {
    auto actual = json::parse(R"({"spec":{"a":1,"b":{"c":"x","d":2},"e":[{"k":1,"extra":true}]},"status":{}})");
    EXPECT_TRUE(json_contains(actual, json::parse(R"({"spec":{"a":1,"b":{"c":"x"},"e":[{"k":1}]}})")));
    std::string why;
    EXPECT_FALSE(json_contains(actual, json::parse(R"({"spec":{"b":{"c":"y"}}})"), &why));
    EXPECT_EQ(why, R"(spec: b: c: expected "y", got "x")");
    EXPECT_FALSE(json_contains(actual, json::parse(R"({"spec":{"missing":1}})"), &why));
    EXPECT_EQ(why, "spec: missing field missing");
    EXPECT_FALSE(json_contains(actual, json::parse(R"({"spec":{"e":[]}})")));
}

}  // namespace
}  // namespace sb::deploytest
