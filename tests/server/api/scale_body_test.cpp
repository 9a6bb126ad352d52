// The scale body and the project quota, without a server.
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "server/api/project_quota.hpp"
#include "server/api/scale_body.hpp"
#include "server/core/api_error.hpp"

namespace sb::server::api {
namespace {
namespace json = boost::json;

json::object scaled(std::string_view body, json::object spec = {}) {
    auto reader = BodyReader::parse(body);
    apply_scale_body(reader, spec);
    reader.finish();
    return spec;
}

// The field and message of the refusal `f` throws.
std::pair<std::string, std::string> refusal(const std::function<void()>& f) {
    try {
        f();
    } catch (const ApiError& e) {
        return {e.field(), e.what()};
    }
    ADD_FAILURE() << "no refusal";
    return {};
}

TEST(ScaleBody, AppliesReplicasResourcesAndAutoscaling) {
    auto spec = scaled(R"({"replicas":3,"resources":{"requests":{"cpu":"250m","memory":"256Mi"},"limits":{"cpu":1,"memory":"512Mi"}},
                         "autoscaling":{"maxReplicas":5,"targetCPUUtilizationPercentage":70}})");
    EXPECT_EQ(spec.at("replicas").as_int64(), 3);
    EXPECT_EQ(json::serialize(spec.at("resources")),
              R"({"requests":{"cpu":"250m","memory":"256Mi"},"limits":{"cpu":"1","memory":"512Mi"}})");
    EXPECT_EQ(json::serialize(spec.at("autoscaling")), R"({"minReplicas":1,"maxReplicas":5,"targetCPUUtilizationPercentage":70})");
    // null removes autoscaling (and resources), the rest stays.
    auto removed = scaled(R"({"autoscaling":null})", spec);
    EXPECT_FALSE(removed.contains("autoscaling"));
    EXPECT_EQ(removed.at("replicas").as_int64(), 3);
    EXPECT_FALSE(scaled(R"({"resources":null})", spec).contains("resources"));
}

TEST(ScaleBody, RefusesBadValuesNamingTheField) {
    auto field = [](std::string_view body) { return refusal([&] { scaled(body); }).first; };
    EXPECT_EQ(field(R"({})"), "replicas");
    EXPECT_EQ(field(R"({"replicas":-1})"), "replicas");
    EXPECT_EQ(field(R"({"replicas":1001})"), "replicas");
    EXPECT_EQ(field(R"({"replicas":"3"})"), "replicas");
    EXPECT_EQ(field(R"({"resources":{"limits":{"memory":"lots"}}})"), "resources.limits.memory");
    EXPECT_EQ(field(R"({"resources":{"limits":{"memory":-5}}})"), "resources.limits.memory");
    EXPECT_EQ(field(R"({"resources":{"limits":{"gpu":"1"}}})"), "resources.limits.gpu");
    EXPECT_EQ(field(R"({"resources":{"limit":{}}})"), "resources.limit");
    EXPECT_EQ(field(R"({"resources":{"requests":{"cpu":"2"},"limits":{"cpu":"1"}}})"), "resources.requests.cpu");
    EXPECT_EQ(field(R"({"autoscaling":{"targetCPUUtilizationPercentage":50}})"), "autoscaling.maxReplicas");
    EXPECT_EQ(field(R"({"autoscaling":{"minReplicas":4,"maxReplicas":2,"targetCPUUtilizationPercentage":50}})"),
              "autoscaling.minReplicas");
    EXPECT_EQ(field(R"({"autoscaling":{"maxReplicas":2}})"), "autoscaling");
    EXPECT_EQ(field(R"({"autoscaling":{"maxReplicas":2,"targetCPUUtilizationPercentage":0}})"), "autoscaling.targetCPUUtilizationPercentage");
    EXPECT_EQ(field(R"({"autoscaling":{"maxReplicas":2,"targetMemoryUtilizationPercentage":50,"x":1}})"), "autoscaling.x");
    EXPECT_EQ(field(R"({"replicas":1,"extra":true})"), "extra");
}

TEST(ScaleBody, QuotaIsDecodedAndChecked) {
    EXPECT_EQ(json::serialize(decode_quota(json::parse(R"({"cpu":"4","memory":"2Gi","pods":10})").as_object())),
              R"({"cpu":"4","memory":"2Gi","pods":10})");
    EXPECT_EQ(json::serialize(decode_quota(json::parse(R"({"cpu":null})").as_object())), "{}");
    EXPECT_EQ(refusal([] { decode_quota(json::parse(R"({"memory":"2GB"})").as_object()); }).first, "quota.memory");
    EXPECT_EQ(refusal([] { decode_quota(json::parse(R"({"pods":-1})").as_object()); }).first, "quota.pods");
    EXPECT_EQ(refusal([] { decode_quota(json::parse(R"({"storage":"1Gi"})").as_object()); }).first, "quota.storage");
}

TEST(ProjectQuota, CountsReplicasOrMaxReplicasTimesLimitsElseRequests) {
    auto spec = json::parse(R"({"replicas":6,"resources":{"requests":{"memory":"256Mi","cpu":"100m"},"limits":{"memory":"512Mi"}}})").as_object();
    auto f = footprint(spec);
    EXPECT_EQ(f.pods, 6);
    EXPECT_EQ(f.memory(), parse_quantity("3Gi"));
    EXPECT_EQ(f.cpu(), parse_quantity("600m"));  // no CPU limit: the request
    EXPECT_EQ(f.memory_field, "resources.limits.memory");
    EXPECT_EQ(f.cpu_field, "resources.requests.cpu");
    spec["autoscaling"] = json::parse(R"({"minReplicas":1,"maxReplicas":8,"targetCPUUtilizationPercentage":50})");
    EXPECT_EQ(footprint(spec).pods, 8);
    spec["stopped"] = true;
    EXPECT_EQ(footprint(spec).pods, 0);
    EXPECT_EQ(footprint(json::object{}).pods, 1);  // the default replica count
}

TEST(ProjectQuota, RefusalNamesTheFieldAndTheNumbers) {
    auto quota = json::parse(R"({"memory":"2Gi","cpu":"2","pods":10})").as_object();
    auto app = footprint(json::parse(R"({"replicas":6,"resources":{"limits":{"memory":"512Mi"}}})").as_object());
    auto other = footprint(json::parse(R"({"replicas":2,"resources":{"limits":{"memory":"512Mi"}}})").as_object());
    auto [field, message] = refusal([&] { check_quota(quota, app, {other}, {}); });
    EXPECT_EQ(field, "replicas");
    EXPECT_EQ(message, "replicas: 6 × 512Mi = 3Gi exceeds the project's memory quota 2Gi (other apps use 1Gi)");
    // Only the resources changed: the refusal names the per-pod field.
    EXPECT_EQ(refusal([&] { check_quota(quota, app, {other}, {"replicas", true}); }).first, "resources.limits.memory");
    auto pods = refusal([&] { check_quota(quota, footprint(json::parse(R"({"replicas":9})").as_object()), {other}, {"autoscaling.maxReplicas", false}); });
    EXPECT_EQ(pods.first, "autoscaling.maxReplicas");
    EXPECT_EQ(pods.second, "autoscaling.maxReplicas: 9 pods exceed the project's pod quota 10 (other apps use 2)");
    // Within the quota: no refusal.
    check_quota(quota, footprint(json::parse(R"({"replicas":2,"resources":{"limits":{"memory":"512Mi"}}})").as_object()), {other}, {});
}

}  // namespace
}  // namespace sb::server::api
