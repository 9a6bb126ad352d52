#include "operator/common/yaml_json.hpp"

#include <gtest/gtest.h>

#include <boost/json/serialize.hpp>

#include "operator/common/crd_types.hpp"
#include "operator/common/embedded_crds.hpp"

namespace json = boost::json;
using namespace sb;
using namespace sb::op;

TEST(YamlJson, ScalarTypes) {
    auto docs = parse_yaml_manifests(R"(
a: 1
b: "1"
c: true
d: "True"
e: 1.5
f: ~
g: hello
h: [x, 2]
i: -3
j: 1e3
k: "08"
)");
    ASSERT_EQ(docs.size(), 1u);
    EXPECT_EQ(json::serialize(docs[0]),
              R"({"a":1,"b":"1","c":true,"d":"True","e":1.5E0,"f":null,"g":"hello","h":["x",2],"i":-3,"j":1E3,"k":"08"})");
}

TEST(YamlJson, MultipleDocuments) {
    auto docs = parse_yaml_manifests("a: 1\n---\n---\nb: 2\n");
    EXPECT_EQ(docs.size(), 2u);
    EXPECT_THROW(parse_yaml_manifests("- 1\n"), std::invalid_argument);
    EXPECT_THROW(parse_yaml_manifests("a: [\n"), std::invalid_argument);
}

TEST(YamlJson, EmbeddedCrdsParse) {
    ASSERT_GE(embedded_crds().size(), 4u);
    for (const auto& file : embedded_crds()) {
        auto docs = parse_yaml_manifests(file.content, file.name);
        ASSERT_EQ(docs.size(), 1u) << file.name;
        EXPECT_EQ(get_string(docs[0], "kind"), "CustomResourceDefinition");
        EXPECT_EQ(get_string(docs[0], "spec.group"), "apps.shapeblock.io");
    }
}
