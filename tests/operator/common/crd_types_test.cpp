#include "operator/common/crd_types.hpp"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

namespace json = boost::json;
using namespace sb;
using namespace sb::op;

TEST(CrdTypes, ResourcePaths) {
    EXPECT_EQ(crds::projects.collection_path(""), "/apis/apps.shapeblock.io/v1alpha1/projects");
    EXPECT_EQ(crds::apps.object_path("p", "a", "status"), "/apis/apps.shapeblock.io/v1alpha1/namespaces/p/apps/a/status");
    EXPECT_EQ(crds::helmcharts.api_version(), "helm.cattle.io/v1");
    EXPECT_EQ(builtin::networkpolicies.collection_path("x"), "/apis/networking.k8s.io/v1/namespaces/x/networkpolicies");
}

TEST(CrdTypes, FinalizersOwnersLabels) {
    auto obj = json::parse(R"({"metadata":{"finalizers":["a","shapeblock.io/project"],
        "labels":{"shapeblock.io/project":"p"},"ownerReferences":[{"uid":"u1"}]}})").as_object();
    EXPECT_TRUE(has_finalizer(obj, kProjectFinalizer));
    EXPECT_FALSE(has_finalizer(obj, "b"));
    EXPECT_EQ(label_value(obj, kProjectLabel), "p");
    EXPECT_TRUE(is_owned_by(obj, "u1"));
    EXPECT_FALSE(is_owned_by(obj, "u2"));
    EXPECT_FALSE(is_owned_by(obj, ""));
}

TEST(CrdTypes, OwnerReferenceFromOwner) {
    auto owner = json::parse(R"({"apiVersion":"apps.shapeblock.io/v1alpha1","kind":"Project",
        "metadata":{"name":"p","uid":"u"}})").as_object();
    auto ref = owner_reference(owner);
    EXPECT_EQ(ref.at("kind"), "Project");
    EXPECT_EQ(ref.at("uid"), "u");
    EXPECT_EQ(ref.at("controller"), true);
    EXPECT_EQ(ref.at("blockOwnerDeletion"), true);
}

TEST(CrdTypes, SetConditionKeepsTransitionTimeWhileStatusUnchanged) {
    json::array conditions;
    EXPECT_TRUE(set_condition(conditions, {"Ready", "False", "Creating", "m1"}, 1, "2024-01-01T00:00:00Z"));
    EXPECT_FALSE(set_condition(conditions, {"Ready", "False", "Creating", "m1"}, 1, "2024-01-02T00:00:00Z"));
    EXPECT_TRUE(set_condition(conditions, {"Ready", "False", "Creating", "m2"}, 1, "2024-01-02T00:00:00Z"));
    EXPECT_EQ(get_string(*find_condition(conditions, "Ready"), "lastTransitionTime"), "2024-01-01T00:00:00Z");
    EXPECT_TRUE(set_condition(conditions, {"Ready", "True", "Ready", ""}, 2, "2024-01-03T00:00:00Z"));
    const auto* ready = find_condition(conditions, "Ready");
    EXPECT_EQ(get_string(*ready, "lastTransitionTime"), "2024-01-03T00:00:00Z");
    EXPECT_EQ(get_int(*ready, "observedGeneration"), 2);
    EXPECT_EQ(conditions.size(), 1u);
    EXPECT_TRUE(remove_condition(conditions, "Ready"));
    EXPECT_FALSE(remove_condition(conditions, "Ready"));
}

