#include "kube/object_helpers.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace json = boost::json;
using namespace sb::kube;

namespace {

json::object object(std::string_view text) { return json::parse(text).as_object(); }

json::object foo(std::string_view name = "foo", std::string_view uid = "uid-1", std::string_view ns = "ns") {
    return json::object{{"apiVersion", "samplecontroller.k8s.io/v1alpha1"},
                        {"kind", "Foo"},
                        {"metadata", {{"name", name}, {"namespace", ns}, {"uid", uid}}}};
}

}  // namespace

TEST(Finalizers, AddIsIdempotentAndRemoveCleansUp) {
    auto obj = object(R"({"metadata": {"name": "x"}})");
    EXPECT_FALSE(has_finalizer(obj, "shapeblock.io/cleanup"));
    EXPECT_TRUE(add_finalizer(obj, "shapeblock.io/cleanup"));
    EXPECT_FALSE(add_finalizer(obj, "shapeblock.io/cleanup"));
    EXPECT_TRUE(add_finalizer(obj, "other/one"));
    EXPECT_TRUE(has_finalizer(obj, "shapeblock.io/cleanup"));
    EXPECT_EQ(obj.at("metadata").at("finalizers").as_array().size(), 2u);
    EXPECT_TRUE(remove_finalizer(obj, "shapeblock.io/cleanup"));
    EXPECT_FALSE(remove_finalizer(obj, "shapeblock.io/cleanup"));
    EXPECT_TRUE(remove_finalizer(obj, "other/one"));
    EXPECT_FALSE(obj.at("metadata").as_object().contains("finalizers")) << "an empty list is dropped";
}

TEST(Finalizers, WorkWithoutMetadata) {
    json::object obj;
    EXPECT_FALSE(remove_finalizer(obj, "a"));
    EXPECT_TRUE(add_finalizer(obj, "a"));
    EXPECT_TRUE(has_finalizer(obj, "a"));
}

TEST(Deletion, IsSeenFromTheTimestamp) {
    EXPECT_FALSE(is_being_deleted(object(R"({"metadata": {}})")));
    EXPECT_TRUE(is_being_deleted(object(R"({"metadata": {"deletionTimestamp": "2024-01-01T00:00:00Z"}})")));
}

TEST(OwnerReferences, ControllerReferenceIsSetOnceAndRecognised) {
    auto owner = foo();
    auto obj = object(R"({"metadata": {"name": "dep", "namespace": "ns"}})");
    set_controller_reference(owner, obj);
    set_controller_reference(owner, obj);  // same owner again: replaced, not duplicated
    const auto& refs = obj.at("metadata").at("ownerReferences").as_array();
    ASSERT_EQ(refs.size(), 1u);
    EXPECT_EQ(refs[0].at("kind").as_string(), "Foo");
    EXPECT_EQ(refs[0].at("uid").as_string(), "uid-1");
    EXPECT_TRUE(refs[0].at("controller").as_bool());
    EXPECT_TRUE(refs[0].at("blockOwnerDeletion").as_bool());
    EXPECT_TRUE(is_controlled_by(obj, owner));
    EXPECT_FALSE(is_controlled_by(obj, foo("foo", "uid-2")));
    ASSERT_NE(controller_of(obj), nullptr);
}

TEST(OwnerReferences, SecondControllerIsRefused) {
    auto obj = object(R"({"metadata": {"name": "dep", "namespace": "ns"}})");
    set_controller_reference(foo("a", "uid-a"), obj);
    EXPECT_THROW(set_controller_reference(foo("b", "uid-b"), obj), AlreadyOwnedError);
    set_owner_reference(foo("b", "uid-b"), obj);  // a plain owner is fine
    EXPECT_EQ(obj.at("metadata").at("ownerReferences").as_array().size(), 2u);
    EXPECT_TRUE(remove_owner_reference(obj, "uid-a"));
    EXPECT_EQ(controller_of(obj), nullptr);
    EXPECT_TRUE(remove_owner_reference(obj, "uid-b"));
    EXPECT_FALSE(obj.at("metadata").as_object().contains("ownerReferences"));
}

TEST(OwnerReferences, ScopeRulesOfTheGarbageCollector) {
    auto cluster_scoped = object(R"({"metadata": {"name": "pv"}})");
    EXPECT_THROW(set_controller_reference(foo(), cluster_scoped), std::invalid_argument);
    auto elsewhere = object(R"({"metadata": {"name": "dep", "namespace": "other"}})");
    EXPECT_THROW(set_owner_reference(foo(), elsewhere), std::invalid_argument);
    auto ns_owner = json::object{{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", "ns"}, {"uid", "u"}}}};
    EXPECT_NO_THROW(set_owner_reference(ns_owner, elsewhere)) << "cluster-scoped owners may own anything";
}

TEST(OwnerReferences, OwnerNeedsIdentity) {
    auto obj = object(R"({"metadata": {"name": "dep", "namespace": "ns"}})");
    EXPECT_THROW(owner_reference(object(R"({"kind": "Foo", "metadata": {"name": "x"}})"), true, true),
                 std::invalid_argument);
    EXPECT_THROW(set_controller_reference(foo("x", ""), obj), std::invalid_argument);
}
