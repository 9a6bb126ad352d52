// The install manifest as text: values land quoted wherever they come from,
// the Deployment gets the connection, and nothing else of the chart changes.
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include "server/agent/install_manifest.hpp"

namespace sb::server::agent {
namespace {

YAML::Node of_kind(const std::vector<YAML::Node>& docs, const std::string& kind) {
    for (const auto& d : docs)
        if (d["kind"].as<std::string>() == kind) return d;
    throw std::runtime_error("no " + kind);
}

std::string env(const YAML::Node& deployment, const std::string& name) {
    for (const auto& e : deployment["spec"]["template"]["spec"]["containers"][0]["env"])
        if (e["name"].as<std::string>() == name) return e["value"] ? e["value"].as<std::string>() : "<from secret>";
    return "<absent>";
}

TEST(InstallManifest, HostileValuesStayInsideTheirStrings) {
    // Values never come from users unchecked, but the manifest must not
    // depend on that: YAML syntax in a value stays a value.
    InstallManifestValues v{"https://sb.example.test/a\"b\n  evil: true", "c1", "tok\"en\n---\nkind: Pod", "img:1 # x"};
    auto docs = YAML::LoadAll(install_manifest(v));
    auto secret = of_kind(docs, "Secret");
    EXPECT_EQ(secret["stringData"]["token"].as<std::string>(), v.agent_token);
    auto deployment = of_kind(docs, "Deployment");
    EXPECT_EQ(env(deployment, "SB_OPERATOR_SERVER_URL"), v.server_url);
    EXPECT_EQ(env(deployment, "SB_OPERATOR_CLUSTER_ID"), "c1");
    EXPECT_EQ(env(deployment, "SB_OPERATOR_AGENT_TOKEN"), "<from secret>");
    EXPECT_EQ(deployment["spec"]["template"]["spec"]["containers"][0]["image"].as<std::string>(), "img:1 # x");
    EXPECT_EQ(env(deployment, "SB_OPERATOR_SOURCE_IMAGE"), "img:1 # x") << "builds of uploads run the operator's own image";
    for (const auto& d : docs) EXPECT_NE(d["kind"].as<std::string>(), "Pod");
}

TEST(InstallManifest, WithoutAnImageTheChartsImageStays) {
    auto docs = YAML::LoadAll(install_manifest({"https://sb", "c1", "t", ""}));
    auto image = of_kind(docs, "Deployment")["spec"]["template"]["spec"]["containers"][0]["image"].as<std::string>();
    EXPECT_TRUE(image.starts_with("ghcr.io/shapeblock/shapeblock-operator:")) << image;
    EXPECT_EQ(env(of_kind(docs, "Deployment"), "SB_OPERATOR_SOURCE_IMAGE"), image);
    // The chart's own settings are still there, after the connection's.
    EXPECT_EQ(env(of_kind(docs, "Deployment"), "SB_OPERATOR_LEASE_NAME"), "shapeblock-operator");
}

TEST(InstallManifest, QuotingIsJsonStringSyntax) {
    EXPECT_EQ(yaml_quoted("plain"), "\"plain\"");
    EXPECT_EQ(yaml_quoted("a\"b\\c\nd"), "\"a\\\"b\\\\c\\nd\"");
    EXPECT_EQ(YAML::Load(yaml_quoted("true")).as<std::string>(), "true");
    EXPECT_EQ(YAML::Load(yaml_quoted("true")).Tag(), "!");  // a string, not a boolean
}

}  // namespace
}  // namespace sb::server::agent
