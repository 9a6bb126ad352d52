#include "common/json_fields.hpp"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

namespace sb {
namespace {

namespace json = boost::json;

const boost::json::object kPod = boost::json::parse(R"({
  "metadata": {"name": "web-1", "generation": 3, "labels": {"apps.shapeblock.io/app": "web"}},
  "spec": {"replicas": 2, "paused": false, "ratio": 0.5, "count": "7"},
  "status": {"conditions": [{"type": "Ready"}]}
})").as_object();

TEST(JsonFields, ReadsAlongDottedPaths) {
    EXPECT_EQ(get_string(kPod, "metadata.name"), "web-1");
    EXPECT_EQ(get_string_view(kPod, "metadata.name"), "web-1");
    EXPECT_EQ(get_int(kPod, "metadata.generation"), 3);
    EXPECT_EQ(get_bool(kPod, "spec.paused"), false);
    ASSERT_NE(find_array(kPod, "status.conditions"), nullptr);
    EXPECT_EQ(find_array(kPod, "status.conditions")->size(), 1u);
    ASSERT_NE(find_object(kPod, "metadata.labels"), nullptr);
    EXPECT_EQ(get_string(*find_object(kPod, "metadata.labels"), "apps"), "");  // a dotted key is not a path
}

TEST(JsonFields, AbsentOrOfAnotherTypeReadsAsAbsent) {
    EXPECT_EQ(get_string(kPod, "metadata.missing"), "");
    EXPECT_EQ(get_string(kPod, "spec.replicas"), "");
    EXPECT_EQ(get_int(kPod, "spec.ratio"), std::nullopt);
    EXPECT_EQ(get_int(kPod, "spec.count"), std::nullopt);
    EXPECT_EQ(get_bool(kPod, "spec.replicas"), std::nullopt);
    EXPECT_EQ(find_object(kPod, "metadata.name"), nullptr);
    EXPECT_EQ(find_array(kPod, "metadata.name.deeper"), nullptr);
    EXPECT_EQ(find_value(kPod, "nothing.here"), nullptr);
}

TEST(JsonFields, EnsureObjectMakesTheWay) {
    boost::json::object o{{"spec", 5}};
    ensure_object(o, "spec.values.image")["tag"] = "v1";
    EXPECT_EQ(get_string(o, "spec.values.image.tag"), "v1");
    ensure_object(o, "spec.values")["more"] = 1;
    EXPECT_EQ(get_string(o, "spec.values.image.tag"), "v1");
}

TEST(JsonFields, ReadsWhatTheOperatorReads) {
    auto obj = json::parse(R"({"spec":{"git":{"url":"u","isPrivate":true},"n":3}})").as_object();
    EXPECT_EQ(get_string(obj, "spec.git.url"), "u");
    EXPECT_EQ(get_string(obj, "spec.git.missing"), "");
    EXPECT_EQ(get_string(obj, "spec.n"), "");
    EXPECT_EQ(get_bool(obj, "spec.git.isPrivate"), true);
    EXPECT_EQ(get_int(obj, "spec.n"), 3);
    EXPECT_FALSE(get_int(obj, "spec.git.url").has_value());
    ensure_object(obj, "status.x")["y"] = 1;
    EXPECT_EQ(get_int(obj, "status.x.y"), 1);
}

}  // namespace
}  // namespace sb
