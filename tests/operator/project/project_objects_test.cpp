#include "operator/project/project_objects.hpp"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "operator/common/crd_types.hpp"

namespace json = boost::json;
using namespace sb;
using namespace sb::op;

namespace {

json::object project(const std::string& extra_spec = "") {
    auto text = R"({"apiVersion":"apps.shapeblock.io/v1alpha1","kind":"Project",
        "metadata":{"name":"shop","uid":"uid-1","generation":1},
        "spec":{"name":"shop")" + extra_spec + "}}";
    return json::parse(text).as_object();
}

}  // namespace

TEST(ProjectObjects, NamespaceNameFromSpecOrMetadata) {
    EXPECT_EQ(desired_namespace_name(project()), "shop");
    auto p = project();
    p["spec"].as_object().erase("name");
    EXPECT_EQ(desired_namespace_name(p), "shop");
    p["spec"].as_object()["name"] = "other";
    EXPECT_EQ(desired_namespace_name(p), "other");
}

TEST(ProjectObjects, NamespaceIsLabelledAndOwned) {
    auto ns = build_namespace(project(), "shop");
    EXPECT_EQ(get_string(ns, "metadata.name"), "shop");
    EXPECT_EQ(label_value(ns, kManagedByLabel), "shapeblock");
    EXPECT_EQ(label_value(ns, kProjectLabel), "shop");
    EXPECT_TRUE(is_owned_by(ns, "uid-1"));
    EXPECT_EQ(classify_namespace(ns, project()), NamespaceOwnership::ours);
}

TEST(ProjectObjects, ForeignNamespacesAreNotOurs) {
    auto plain = json::parse(R"({"metadata":{"name":"shop"}})").as_object();
    EXPECT_EQ(classify_namespace(plain, project()), NamespaceOwnership::foreign);
    auto other = json::parse(R"({"metadata":{"name":"shop","labels":{"app.kubernetes.io/managed-by":"shapeblock",
        "shapeblock.io/project":"x"},"ownerReferences":[{"uid":"uid-2"}]}})").as_object();
    EXPECT_EQ(classify_namespace(other, project()), NamespaceOwnership::other_project);
    // A label alone (someone copied our labels) does not make it ours.
    auto labelled = json::parse(R"({"metadata":{"name":"shop","labels":{"app.kubernetes.io/managed-by":"shapeblock",
        "shapeblock.io/project":"shop"}}})").as_object();
    EXPECT_NE(classify_namespace(labelled, project()), NamespaceOwnership::ours);
}

TEST(ProjectObjects, SecretCopyKeepsTypeAndDataOnly) {
    auto source = json::parse(R"({"metadata":{"name":"registry-credentials","namespace":"shapeblock",
        "resourceVersion":"5","uid":"s","annotations":{"a":"b"}},
        "type":"kubernetes.io/dockerconfigjson","data":{".dockerconfigjson":"e30="}})").as_object();
    auto copy = build_secret_copy(source, project(), "shop");
    EXPECT_EQ(get_string(copy, "metadata.namespace"), "shop");
    EXPECT_EQ(get_string(copy, "metadata.name"), "registry-credentials");
    EXPECT_EQ(get_string(copy, "metadata.resourceVersion"), "");
    EXPECT_EQ(get_string(copy, "metadata.uid"), "");
    EXPECT_EQ(get_string(copy, "type"), "kubernetes.io/dockerconfigjson");
    EXPECT_EQ(copy.at("data").as_object().at(".dockerconfigjson"), "e30=");
    EXPECT_TRUE(is_owned_by(copy, "uid-1"));

    auto existing = copy;
    existing["metadata"].as_object()["resourceVersion"] = "9";
    EXPECT_TRUE(secret_copy_matches(existing, copy));
    existing["data"].as_object()[".dockerconfigjson"] = "changed";
    EXPECT_FALSE(secret_copy_matches(existing, copy));
    existing = copy;
    existing["type"] = "Opaque";
    EXPECT_FALSE(secret_copy_matches(existing, copy));
    existing = copy;
    existing["metadata"].as_object()["labels"].as_object().erase(kProjectLabel);
    EXPECT_FALSE(secret_copy_matches(existing, copy));
}

TEST(ProjectObjects, QuotaFromSpec) {
    EXPECT_FALSE(project_has_quota(project()));
    auto p = project(R"(,"quota":{"cpu":2,"memory":"4Gi","storage":"10Gi","pods":20})");
    ASSERT_TRUE(project_has_quota(p));
    auto rq = build_resource_quota(p, "shop");
    const auto& hard = rq.at("spec").as_object().at("hard").as_object();
    EXPECT_EQ(hard.at("requests.cpu"), "2");
    EXPECT_EQ(hard.at("limits.cpu"), "2");
    EXPECT_EQ(hard.at("requests.memory"), "4Gi");
    EXPECT_EQ(hard.at("limits.memory"), "4Gi");
    EXPECT_EQ(hard.at("requests.storage"), "10Gi");
    EXPECT_EQ(hard.at("pods"), "20");
    EXPECT_EQ(get_string(rq, "metadata.name"), kQuotaName);
}

TEST(ProjectObjects, LimitRangeDefaultsOnlyForLimitedResources) {
    ResourceLimits defaults{"50m", "500m", "64Mi", "512Mi"};
    auto lr = build_limit_range(project(R"(,"quota":{"memory":"1Gi"})"), "shop", defaults);
    const auto& limit = lr.at("spec").as_object().at("limits").as_array().at(0).as_object();
    EXPECT_EQ(limit.at("type"), "Container");
    EXPECT_EQ(limit.at("default").as_object().at("memory"), "512Mi");
    EXPECT_EQ(limit.at("defaultRequest").as_object().at("memory"), "64Mi");
    EXPECT_FALSE(limit.at("default").as_object().contains("cpu"));
}

TEST(ProjectObjects, NetworkPolicyAllowsOwnNamespaceAndIngress) {
    EXPECT_TRUE(network_policy_enabled(project(), true));
    EXPECT_FALSE(network_policy_enabled(project(), false));
    EXPECT_FALSE(network_policy_enabled(project(R"(,"networkPolicy":{"enabled":false})"), true));
    auto np = build_network_policy(project(), "shop", {"kube-system"});
    const auto& spec = np.at("spec").as_object();
    EXPECT_EQ(spec.at("podSelector"), json::object());
    EXPECT_EQ(spec.at("policyTypes"), json::array{"Ingress"});
    const auto& from = spec.at("ingress").as_array().at(0).as_object().at("from").as_array();
    ASSERT_EQ(from.size(), 2u);
    EXPECT_EQ(from[0].as_object().at("podSelector"), json::object());
    EXPECT_EQ(json::serialize(from[1]),
              R"({"namespaceSelector":{"matchLabels":{"kubernetes.io/metadata.name":"kube-system"}}})");
}

TEST(ProjectObjects, SpecComparisonToleratesExtraLabelsAndServerFields) {
    auto desired = build_network_policy(project(), "shop", {"kube-system"});
    auto existing = desired;
    existing["metadata"].as_object()["labels"].as_object()["extra"] = "x";
    existing["metadata"].as_object()["resourceVersion"] = "3";
    EXPECT_TRUE(spec_and_labels_match(existing, desired));
    existing["spec"].as_object()["policyTypes"] = json::array{"Ingress", "Egress"};
    EXPECT_FALSE(spec_and_labels_match(existing, desired));
}
