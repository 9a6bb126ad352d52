// The objects the server asks a cluster to hold: valid ShapeBlock objects
// (the operator's own check accepts them), named so reports map back.
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "agent/objects.hpp"
#include "common/base64.hpp"
#include "common/json_fields.hpp"
#include "server/agent/cluster_objects.hpp"

namespace sb::server::agent {
namespace {

void expect_shapeblock_object(const boost::json::object& object) {
    sb::agent::ObjectRef ref;
    auto error = sb::agent::check_object(object, ref);
    EXPECT_FALSE(error.has_value()) << (error ? error->message : "");
}

TEST(ClusterObjects, ProjectIsClusterScopedAndLabelled) {
    auto o = project_object({"p1", "t1", "shop", "Shop", "the shop"});
    expect_shapeblock_object(o);
    EXPECT_EQ(sb::get_string(o, "kind"), "Project");
    EXPECT_EQ(sb::get_string(o, "metadata.name"), "shop");
    EXPECT_FALSE(o.at("metadata").as_object().contains("namespace"));
    EXPECT_EQ(o.at("metadata").at("labels").at("shapeblock.io/id").as_string(), "p1");
    EXPECT_EQ(sb::get_string(o, "spec.displayName"), "Shop");
}

TEST(ClusterObjects, AppCarriesSourceBuildAndTheClusterRegistrySecret) {
    std::string spec = R"({"displayName":"Web","description":"","git":{"url":"https://example.test/a.git","branch":"main",
        "isPrivate":false},"registry":{"url":"registry.local:5000","username":"u"},"build":{"type":"dockerfile"},
        "domains":["web.example.test"],"services":[],"secretSummary":{"envKeys":["A"]}})";
    auto o = app_object({"a1", "t1", "p1", "shop", "web", spec}, {});
    expect_shapeblock_object(o);
    EXPECT_EQ(sb::get_string(o, "metadata.namespace"), "shop");
    EXPECT_EQ(sb::get_string(o, "spec.git.url"), "https://example.test/a.git");
    EXPECT_EQ(sb::get_string(o, "spec.registry.url"), "registry.local:5000");
    EXPECT_EQ(sb::get_string(o, "spec.registry.secretName"), "registry-credentials");
    EXPECT_EQ(sb::get_string(o, "spec.build.type"), "dockerfile");
    const auto& app_spec = o.at("spec").as_object();
    EXPECT_FALSE(app_spec.contains("secretSummary"));  // nothing of the sealed secrets leaves the server
    EXPECT_FALSE(app_spec.at("registry").as_object().contains("username"));
    EXPECT_FALSE(app_spec.contains("services"));  // empty lists are left out
}

TEST(ClusterObjects, TheBuildPathsReachTheAppAndDetectMeansNoType) {
    std::string spec = R"({"git":{"url":"https://example.test/a.git","branch":"main"},"registry":{},
        "build":{"type":"detect","dockerfile":"docker/Dockerfile.prod","contextPath":"services/web"}})";
    auto o = app_object({"a1", "t1", "p1", "shop", "web", spec}, {});
    expect_shapeblock_object(o);
    EXPECT_EQ(sb::get_string(o, "spec.build.contextPath"), "services/web");
    EXPECT_EQ(sb::get_string(o, "spec.build.dockerfile"), "docker/Dockerfile.prod");
    EXPECT_FALSE(o.at("spec").at("build").as_object().contains("type"));
}

TEST(ClusterObjects, BoundServicesReachTheClusterByName) {
    // The API binds by service id; the operator finds a Service (and its <name>-connection Secret) by name.
    std::string spec = R"({"git":{"url":"https://example.test/a.git"},"services":["s1","s-gone","s2"]})";
    auto o = app_object({"a1", "t1", "p1", "shop", "web", spec}, {}, {{"s1", "db"}, {"s2", "cache"}, {"s3", "other"}});
    EXPECT_EQ(o.at("spec").at("services"), (boost::json::array{"db", "cache"}));
    auto unbound = app_object({"a1", "t1", "p1", "shop", "web", R"({"services":["s-gone"]})"}, {}, {{"s1", "db"}});
    EXPECT_FALSE(unbound.at("spec").as_object().contains("services"));
}

TEST(ClusterObjects, AnAppsValuesGoInItsSecretsAndItsObjectOnlyReferencesThem) {
    std::string spec = R"({"displayName":"Web","git":{"url":"https://example.test/a.git","branch":"main","isPrivate":true},
        "registry":{"url":"registry.example.test:5000/team","username":"robot"},"build":{"type":"dockerfile"}})";
    api::AppSecrets secrets;
    secrets.env = {{"DATABASE_URL", "postgres://sekrit@db"}, {"PLAIN", "1"}};
    secrets.git_token = "sekrit-token";
    secrets.registry_password = "sekrit-pw";
    store::ClusterApp app{"a1", "t1", "p1", "shop", "web", spec};
    auto o = app_object(app, secrets);
    expect_shapeblock_object(o);
    EXPECT_EQ(boost::json::serialize(o).find("sekrit"), std::string::npos) << boost::json::serialize(o);
    EXPECT_EQ(sb::get_string(o, "spec.git.secretName"), "web-git");
    EXPECT_EQ(sb::get_string(o, "spec.registry.secretName"), "web-registry");
    const auto& env = o.at("spec").at("env").as_array();
    ASSERT_EQ(env.size(), 2u);
    EXPECT_EQ(sb::get_string(env[0].as_object(), "name"), "DATABASE_URL");
    EXPECT_EQ(sb::get_string(env[0].as_object(), "valueFrom.secretKeyRef.name"), "web-env");
    EXPECT_EQ(sb::get_string(env[0].as_object(), "valueFrom.secretKeyRef.key"), "DATABASE_URL");

    auto messages = app_secret_messages(app, secrets);
    ASSERT_EQ(messages.size(), 3u);
    for (const auto& m : messages) {
        EXPECT_EQ(m.namespace_, "shop");
        EXPECT_EQ(m.app, "web");
        EXPECT_FALSE(sb::agent::check_app_secret(m)) << m.purpose;
    }
    EXPECT_EQ(messages[0].purpose, "env");
    EXPECT_EQ(messages[0].data.at("DATABASE_URL"), "postgres://sekrit@db");
    EXPECT_EQ(messages[1].purpose, "git");
    EXPECT_EQ(messages[1].data.at("token"), "sekrit-token");
    EXPECT_EQ(messages[2].purpose, "registry");
    auto docker = boost::json::parse(messages[2].data.at(".dockerconfigjson")).as_object();
    const auto& login = docker.at("auths").at("registry.example.test:5000").as_object();
    EXPECT_EQ(sb::get_string(login, "username"), "robot");
    EXPECT_EQ(sb::get_string(login, "password"), "sekrit-pw");
    EXPECT_EQ(sb::get_string(login, "auth"), sb::base64_encode("robot:sekrit-pw"));

    // Without values: no references, the cluster's registry secret, and empty messages that delete.
    auto bare = app_object(app, {});
    EXPECT_FALSE(bare.at("spec").as_object().contains("env"));
    EXPECT_FALSE(bare.at("spec").at("git").as_object().contains("secretName"));
    EXPECT_EQ(sb::get_string(bare, "spec.registry.secretName"), "registry-credentials");
    for (const auto& m : app_secret_messages(app, {})) EXPECT_TRUE(m.data.empty()) << m.purpose;
}

TEST(ClusterObjects, BuildIsNamedAfterItsIdAndMapsBack) {
    store::ClusterBuild b;
    b.id = "0000018c0a1b2c3d4e5f";
    b.project_name = "shop";
    b.app_name = "web";
    b.git_ref = "HEAD";
    b.image_tag = "v1";
    auto o = build_object(b);
    expect_shapeblock_object(o);
    EXPECT_EQ(sb::get_string(o, "metadata.name"), "build-0000018c0a1b2c3d4e5f");
    EXPECT_EQ(sb::get_string(o, "spec.appName"), "web");
    EXPECT_FALSE(o.at("spec").as_object().contains("gitRef"));  // HEAD: the App's branch
    EXPECT_EQ(build_id_of("build-0000018c0a1b2c3d4e5f"), b.id);
    EXPECT_EQ(build_id_of("sample-app-build-1"), std::nullopt);
    EXPECT_EQ(build_id_of("build-"), std::nullopt);
}

TEST(ClusterObjects, TheProjectCarriesItsQuota) {
    store::ClusterProject p{"p1", "t1", "shop", "Shop", "", R"({"cpu":"4","memory":"8Gi","pods":20})"};
    auto o = project_object(p);
    expect_shapeblock_object(o);
    EXPECT_EQ(sb::get_string(o, "spec.quota.cpu"), "4");
    EXPECT_EQ(sb::get_string(o, "spec.quota.memory"), "8Gi");
    EXPECT_EQ(sb::get_int(o, "spec.quota.pods"), 20);
    EXPECT_FALSE(project_object({"p1", "t1", "shop", "Shop", "", "{}"}).at("spec").as_object().contains("quota"));
}

TEST(ClusterObjects, TheAppCarriesScaleStopRestartAndAutoscaling) {
    std::string spec = R"({"git":{},"registry":{},"build":{"type":"dockerfile"},"domains":[],"services":[],
        "replicas":3,"stopped":true,"restartedAt":"2026-12-03T10:00:00.123456Z",
        "resources":{"requests":{"cpu":"100m","memory":"128Mi"},"limits":{"cpu":"1","memory":"256Mi"}},
        "autoscaling":{"minReplicas":2,"maxReplicas":5,"targetMemoryUtilizationPercentage":80}})";
    auto o = app_object({"a1", "t1", "p1", "shop", "web", spec}, {});
    expect_shapeblock_object(o);
    EXPECT_EQ(sb::get_int(o, "spec.replicas"), 3);
    EXPECT_EQ(sb::get_bool(o, "spec.stopped"), true);
    EXPECT_EQ(sb::get_string(o, "spec.restartedAt"), "2026-12-03T10:00:00.123456Z");
    EXPECT_EQ(sb::get_string(o, "spec.resources.limits.memory"), "256Mi");
    EXPECT_EQ(sb::get_string(o, "spec.resources.requests.cpu"), "100m");
    EXPECT_EQ(sb::get_int(o, "spec.autoscaling.maxReplicas"), 5);
    EXPECT_EQ(sb::get_int(o, "spec.autoscaling.targetMemoryUtilizationPercentage"), 80);
    // An app never scaled leaves them to the CRD's defaults.
    auto plain = app_object({"a1", "t1", "p1", "shop", "web", R"({"git":{},"registry":{},"domains":[],"services":[]})"}, {});
    for (auto key : {"replicas", "stopped", "restartedAt", "resources", "autoscaling"})
        EXPECT_FALSE(plain.at("spec").as_object().contains(key)) << key;
}

TEST(ClusterObjects, ARollbackBuildDeploysItsImageWithoutATag) {
    store::ClusterBuild b;
    b.id = "0000018c0a1b2c3d4e60";
    b.project_name = "shop";
    b.app_name = "web";
    b.git_ref = "HEAD";
    b.image_tag = "0000018c0a1b2c3d4e60";
    b.image = "registry.local:5000/shop/web:v1@sha256:" + std::string(64, 'a');
    auto o = build_object(b);
    expect_shapeblock_object(o);
    EXPECT_EQ(sb::get_string(o, "spec.image"), b.image);
    EXPECT_FALSE(o.at("spec").as_object().contains("imageTag"));
}

TEST(ClusterObjects, ServiceTypesMapToTheOperatorsNames) {
    auto pg = service_object({"s1", "t1", "p1", "shop", "db", "postgresql", R"({"storage":"2Gi","values":{}})"});
    expect_shapeblock_object(pg);
    EXPECT_EQ(sb::get_string(pg, "spec.type"), "postgres");
    EXPECT_EQ(sb::get_string(pg, "spec.storage.size"), "2Gi");
    auto custom = service_object({"s2", "t1", "p1", "shop", "mq", "chart", R"({"chart":"nats","chartVersion":"1.2.3"})"});
    EXPECT_EQ(sb::get_string(custom, "spec.type"), "custom");
    EXPECT_EQ(sb::get_string(custom, "spec.chart.name"), "nats");
    EXPECT_EQ(sb::get_string(custom, "spec.chart.version"), "1.2.3");
}

}  // namespace
}  // namespace sb::server::agent
