#include <gtest/gtest.h>

#include "yaml_json.hpp"

namespace sb::deploytest {
namespace {
namespace json = boost::json;

TEST(YamlToJson, TypesPlainScalarsAndKeepsQuotedOnesStrings) {
    auto docs = yaml_documents_to_json(R"(
a: 1
b: "1"
c: true
d: 'true'
e: 2.5
f: ~
g: main
h: "2024-03-20T10:00:00Z"
i: -3
j: ""
)");
    ASSERT_EQ(docs.size(), 1u);
    const auto& o = docs[0].as_object();
    EXPECT_EQ(o.at("a"), json::value(1));
    EXPECT_EQ(o.at("b"), json::value("1"));
    EXPECT_EQ(o.at("c"), json::value(true));
    EXPECT_EQ(o.at("d"), json::value("true"));
    EXPECT_DOUBLE_EQ(o.at("e").as_double(), 2.5);
    EXPECT_TRUE(o.at("f").is_null());
    EXPECT_EQ(o.at("g"), json::value("main"));
    EXPECT_EQ(o.at("h"), json::value("2024-03-20T10:00:00Z"));
    EXPECT_EQ(o.at("i"), json::value(-3));
    EXPECT_EQ(o.at("j"), json::value(""));
}

TEST(YamlToJson, SplitsDocumentsAndSkipsEmptyOnes) {
    auto docs = yaml_documents_to_json("---\n# only a comment\n---\nkind: A\nlist: [x, 2]\n---\nkind: B\n");
    ASSERT_EQ(docs.size(), 2u);
    EXPECT_EQ(docs[0].at("kind"), json::value("A"));
    EXPECT_EQ(docs[0].at("list"), json::parse(R"(["x", 2])"));
    EXPECT_EQ(docs[1].at("kind"), json::value("B"));
}

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
