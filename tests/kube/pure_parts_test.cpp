// Pure parts of the client: Status errors, resource paths, base64, exec
// credential parsing, the informer store and its indexes.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "common/rfc3339.hpp"
#include "kube/credentials.hpp"
#include "kube/errors.hpp"
#include "kube/informer.hpp"
#include "kube/resource.hpp"

namespace sb::kube {
namespace {
namespace json = boost::json;

TEST(ApiError, ParsesStatusWithCauses) {
    ApiError e(422, R"({"kind":"Status","apiVersion":"v1","status":"Failure","message":"Widget is invalid",
        "reason":"Invalid","code":422,"details":{"name":"w","causes":[
        {"reason":"FieldValueInvalid","message":"must be >= 1","field":"spec.size"}]}})");
    EXPECT_EQ(e.code(), 422);
    EXPECT_TRUE(is_invalid(e));
    EXPECT_FALSE(is_conflict(e));
    ASSERT_EQ(e.causes().size(), 1u);
    EXPECT_EQ(e.causes()[0].field, "spec.size");
    EXPECT_EQ(e.causes()[0].type, "FieldValueInvalid");
    EXPECT_NE(std::string(e.what()).find("Widget is invalid"), std::string::npos);
}

TEST(ApiError, ReasonFromCodeWhenBodyIsNotAStatus) {
    ApiError e(404, "404 page not found");
    EXPECT_TRUE(is_not_found(e));
    ApiError gone(410, R"({"kind":"Status","reason":"Expired","code":410,"message":"too old"})");
    EXPECT_TRUE(is_gone(gone));
    ApiError throttled(429, "", std::chrono::seconds(3));
    EXPECT_TRUE(is_too_many_requests(throttled));
    EXPECT_EQ(throttled.retry_after(), std::chrono::seconds(3));
    ApiError exists(409, R"({"kind":"Status","reason":"AlreadyExists","code":409})");
    EXPECT_TRUE(is_already_exists(exists));
    EXPECT_FALSE(is_conflict(exists));
}

TEST(ResourceRef, PathsAndPlurals) {
    EXPECT_EQ(resources::configmaps.object_path("ns", "x"), "/api/v1/namespaces/ns/configmaps/x");
    EXPECT_EQ(resources::deployments.object_path("ns", "x", "status"), "/apis/apps/v1/namespaces/ns/deployments/x/status");
    EXPECT_EQ(resources::namespaces.object_path("ignored", "x"), "/api/v1/namespaces/x");
    EXPECT_EQ(resources::pods.collection_path(""), "/api/v1/pods");
    auto r = ResourceRef::for_kind("networking.k8s.io/v1", "Ingress");
    EXPECT_EQ(r.resource, "ingresses");
    EXPECT_EQ(r.display_name(), "ingresses.networking.k8s.io");
    EXPECT_EQ(ResourceRef::for_kind("v1", "NetworkPolicy").resource, "networkpolicies");
    EXPECT_EQ(ResourceRef::for_kind("apps.shapeblock.io/v1alpha1", "AppBuild").resource, "appbuilds");
    EXPECT_EQ(split_key("ns/name"), (std::pair<std::string, std::string>{"ns", "name"}));
    EXPECT_EQ(split_key("cluster-scoped"), (std::pair<std::string, std::string>{"", "cluster-scoped"}));
}

TEST(ExecCredential, ParsesTokenAndExpiry) {
    auto c = detail::parse_exec_credential(
        R"({"apiVersion":"client.authentication.k8s.io/v1beta1","kind":"ExecCredential",
            "status":{"token":"t1","expirationTimestamp":"2030-01-02T03:04:05Z"}})",
        "client.authentication.k8s.io/v1beta1");
    EXPECT_EQ(c.token, "t1");
    ASSERT_TRUE(c.expires);
    EXPECT_EQ(std::chrono::system_clock::to_time_t(*c.expires), 1893553445);
    EXPECT_EQ(sb::parse_rfc3339("2030-01-02T05:04:05+02:00"), *c.expires);
    EXPECT_THROW(detail::parse_exec_credential(R"({"kind":"ExecCredential","apiVersion":"v1","status":{}})", "v1"),
                 ConfigError);
    EXPECT_THROW(detail::parse_exec_credential("not json", "v1"), ConfigError);
    EXPECT_THROW(detail::parse_exec_credential(R"({"kind":"ExecCredential","apiVersion":"other","status":{"token":"x"}})",
                                               "client.authentication.k8s.io/v1beta1"),
                 ConfigError);
}

Object make(const std::string& ns, const std::string& name, const std::string& app, const std::string& owner) {
    json::object md{{"name", name}, {"namespace", ns}, {"labels", json::object{{"app", app}}}};
    if (!owner.empty())
        md["ownerReferences"] = json::array{json::object{{"uid", owner}, {"controller", true}, {"kind", "X"}}};
    return std::make_shared<const json::object>(json::object{{"metadata", std::move(md)}});
}

Object make_cluster_scoped(const std::string& name) {
    return std::make_shared<const json::object>(json::object{{"metadata", json::object{{"name", name}}}});
}

class StoreTest : public ::testing::TestWithParam<StoreEncoding> {};

INSTANTIATE_TEST_SUITE_P(Encodings, StoreTest, ::testing::Values(StoreEncoding::objects, StoreEncoding::compact_json),
                         [](const auto& info) {
                             return info.param == StoreEncoding::objects ? std::string("Objects") : std::string("CompactJson");
                         });

TEST_P(StoreTest, IndexesFollowUpdatesDeletesAndReplace) {
    Store store(GetParam());
    store.add_index("app", label_index("app"));
    store.upsert(make("a", "one", "web", "u1"));
    store.upsert(make("a", "two", "web", "u1"));
    store.upsert(make("b", "one", "db", "u2"));
    store.add_index("owner", owner_uid_index());  // indexes what is there already
    EXPECT_EQ(store.size(), 3u);
    EXPECT_EQ(store.by_index("app", "web").size(), 2u);
    EXPECT_EQ(store.by_index("owner", "u1").size(), 2u);
    ASSERT_TRUE(store.get("b", "one"));

    auto previous = store.upsert(make("a", "two", "db", "u2"));  // relabelled and re-owned
    ASSERT_TRUE(previous);
    EXPECT_EQ(store.by_index("app", "web").size(), 1u);
    EXPECT_EQ(store.by_index("app", "db").size(), 2u);
    EXPECT_EQ(store.by_index("owner", "u2").size(), 2u);

    EXPECT_TRUE(store.erase("a/one"));
    EXPECT_FALSE(store.erase("a/one"));
    EXPECT_TRUE(store.by_index("app", "web").empty());
    EXPECT_EQ(store.index_values("app"), std::vector<std::string>{"db"});

    auto dropped = store.replace({make("c", "x", "cache", "")});
    EXPECT_EQ(dropped.size(), 2u);
    EXPECT_EQ(store.keys(), std::vector<std::string>{"c/x"});
    EXPECT_TRUE(store.by_index("app", "db").empty());
    EXPECT_EQ(store.by_index("app", "cache").size(), 1u);
    EXPECT_THROW(store.by_index("nope", "x"), std::out_of_range);
}

TEST_P(StoreTest, ReadsGiveBackWhatWasStored) {
    Store store(GetParam());
    auto original = make("a", "one", "web", "u1");
    store.upsert(original);
    store.upsert(make("b", "two", "db", ""));
    store.upsert(make_cluster_scoped("cluster-wide"));
    auto read = store.get("a", "one");
    ASSERT_TRUE(read);
    EXPECT_EQ(*read, *original);
    EXPECT_EQ(store.list().size(), 3u);
    ASSERT_EQ(store.list_namespace("a").size(), 1u);
    EXPECT_EQ(object_name(*store.list_namespace("a")[0]), "one");
    ASSERT_EQ(store.list_namespace("").size(), 1u);
    EXPECT_EQ(object_name(*store.list_namespace("")[0]), "cluster-wide");
    EXPECT_TRUE(store.list_namespace("c").empty());
    auto previous = store.upsert(make("a", "one", "api", "u1"));
    ASSERT_TRUE(previous);
    EXPECT_EQ(*previous, *original);
    auto removed = store.erase("a/one");
    ASSERT_TRUE(removed);
    EXPECT_EQ(object_name(*removed), "one");
    EXPECT_EQ(store.get("a", "one"), nullptr);
}

TEST(Transform, StripsManagedFieldsAndLastApplied) {
    auto obj = json::parse(R"({"metadata":{"name":"x","managedFields":[{"manager":"m"}],
        "annotations":{"kubectl.kubernetes.io/last-applied-configuration":"{}","keep":"me"}}})").as_object();
    strip_bulk_metadata(obj);
    EXPECT_EQ(json::serialize(obj), R"({"metadata":{"name":"x","annotations":{"keep":"me"}}})");
}

}  // namespace
}  // namespace sb::kube
