#include "operator/helm/helm_values.hpp"

#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <boost/json.hpp>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>

#include "operator/helm/deploy_request.hpp"
#include "tests/operator/support/golden.hpp"

namespace json = boost::json;
using namespace sb::op::helm;
using sb::op::testing::compare_golden;
using sb::op::testing::pretty_json;
using sb::op::testing::testdata_path;

namespace {

json::object sample_app() {
    return json::parse(R"({"apiVersion":"apps.shapeblock.io/v1alpha1","kind":"App",
        "metadata":{"name":"sample-app","namespace":"my-project","uid":"0d5d2b8e-1111-4c1e-9d1a-2b9f1c7e0a01"}})")
        .as_object();
}

// The example AppBuild's helmValues, plus an App with env, a secret and a bound service.
DeployRequest sample_request() {
    DeployRequest r;
    r.app_name = "sample-app";
    r.namespace_ = "my-project";
    r.build_name = "sample-app-build-1";
    r.image = "registry.shapeblock.io/my-project/sample-app:v1.0.0@sha256:" + std::string(64, 'b');
    r.port = 3000;
    r.env = {{"LOG_LEVEL", "info", "", ""}, {"API_KEY", "", "api-secrets", "key"}};
    r.domains = {"sample.example.com"};
    r.env_secrets = {"db-connection"};
    r.image_pull_secret = "registry-credentials";
    r.helm_values = json::parse(R"({"replicaCount":2,"env":{"NODE_ENV":"production"},
        "ingress":{"enabled":true,"hosts":["myapp.example.com"]},
        "deployments":{"sample-app":{"podAnnotations":{"team":"web"}}}})")
                        .as_object();
    return r;
}

const json::object& app_container(const json::object& values) {
    return values.at("deployments").at("sample-app").at("containers").at(0).as_object();
}

std::map<std::string, std::string> env_map(const json::object& container) {
    std::map<std::string, std::string> m;
    for (const auto& e : container.at("env").as_array()) {
        const auto& o = e.as_object();
        m[std::string(o.at("name").as_string())] =
            o.contains("value") ? std::string(o.at("value").as_string()) : "<from secret>";
    }
    return m;
}

}  // namespace

TEST(HelmValues, HelmChartForTheExampleBuild) {
    DeployConfig config;
    auto chart = helm_chart(sample_request(), config, sample_app());
    EXPECT_EQ(chart.at("apiVersion").as_string(), "helm.cattle.io/v1");
    const auto& spec = chart.at("spec").as_object();
    EXPECT_EQ(spec.at("chart").as_string(), "nxs-universal-chart");
    EXPECT_EQ(spec.at("version").as_string(), config.chart_version);
    EXPECT_EQ(spec.at("repo").as_string(), config.chart_repo);
    EXPECT_EQ(spec.at("targetNamespace").as_string(), "my-project");
    EXPECT_EQ(spec.at("failurePolicy").as_string(), "reinstall");
    EXPECT_TRUE(spec.at("backOffLimit").is_int64());
    const auto& owner = chart.at("metadata").at("ownerReferences").at(0).as_object();
    EXPECT_EQ(owner.at("kind").as_string(), "App");
    EXPECT_EQ(owner.at("uid").as_string(), "0d5d2b8e-1111-4c1e-9d1a-2b9f1c7e0a01");
    // valuesContent is YAML (indented JSON) that parses back to the values.
    auto parsed = json::parse(std::string(spec.at("valuesContent").as_string()));
    EXPECT_EQ(parsed, json::value(chart_values(sample_request(), config)));
    EXPECT_EQ(compare_golden("deploy/helmchart.json", pretty_json(chart)), "");
    EXPECT_EQ(compare_golden("deploy/values.json", pretty_json(parsed)), "");
}

TEST(HelmValues, GeneratedValuesFollowTheChartLayoutAndUserIntent) {
    auto values = chart_values(sample_request(), DeployConfig{});
    EXPECT_EQ(values.at("defaultImage").as_string(), "registry.shapeblock.io/my-project/sample-app");
    EXPECT_EQ(values.at("defaultImageTag").as_string(), "v1.0.0@sha256:" + std::string(64, 'b'));
    const auto& deployment = values.at("deployments").at("sample-app").as_object();
    EXPECT_EQ(deployment.at("replicas").as_int64(), 2);                             // replicaCount
    EXPECT_EQ(deployment.at("podAnnotations").at("team").as_string(), "web");       // passed through, merged
    const auto& container = app_container(values);
    auto env = env_map(container);
    EXPECT_EQ(env["PORT"], "3000");
    EXPECT_EQ(env["LOG_LEVEL"], "info");
    EXPECT_EQ(env["NODE_ENV"], "production");
    EXPECT_EQ(env["API_KEY"], "<from secret>");
    EXPECT_EQ(container.at("envFrom").at(0).at("secretRef").at("name").as_string(), "db-connection");
    EXPECT_EQ(container.at("ports").at(0).at("containerPort").as_int64(), 3000);
    EXPECT_TRUE(container.contains("readinessProbe"));
    EXPECT_EQ(values.at("generic").at("extraImagePullSecrets").at(0).at("name").as_string(), "registry-credentials");
    EXPECT_EQ(values.at("services").at("sample-app").at("ports").at(0).at("targetPort").as_int64(), 3000);
    // One Ingress per host: the App's domain, then helmValues' ingress.hosts.
    ASSERT_EQ(values.at("ingresses").as_object().size(), 2u);
    const auto& ingress = values.at("ingresses").at("sample.example.com").as_object();
    EXPECT_EQ(ingress.at("name").as_string(), "sample-app-sample.example.com");
    EXPECT_EQ(ingress.at("ingressClassName").as_string(), "traefik");
    EXPECT_EQ(ingress.at("certManager").at("originalIssuerName").as_string(), "letsencrypt-prod");
    EXPECT_EQ(ingress.at("tlsName").as_string(), "sample-app-sample.example.com");
    ASSERT_EQ(ingress.at("hosts").as_array().size(), 1u);
    EXPECT_EQ(values.at("ingresses").at("myapp.example.com").at("hosts").at(0).at("hostname").as_string(),
              "myapp.example.com");
    EXPECT_FALSE(values.contains("hpas"));
    // Translated keys do not leak into the chart values.
    EXPECT_FALSE(values.contains("replicaCount"));
    EXPECT_FALSE(values.contains("ingress"));
    EXPECT_FALSE(values.contains("env"));
}

TEST(HelmValues, UserValuesWinOverGeneratedOnes) {
    auto r = sample_request();
    r.helm_values = json::parse(R"({"services":{"sample-app":{"type":"NodePort"}},
        "defaultImagePullPolicy":"Always","resources":{"limits":{"memory":"1Gi"}}})")
                        .as_object();
    auto values = chart_values(r, DeployConfig{});
    EXPECT_EQ(values.at("services").at("sample-app").at("type").as_string(), "NodePort");
    EXPECT_EQ(values.at("services").at("sample-app").at("ports").at(0).at("port").as_int64(), 80);  // kept
    EXPECT_EQ(values.at("defaultImagePullPolicy").as_string(), "Always");
    const auto& res = app_container(values).at("resources").as_object();
    EXPECT_EQ(res.at("limits").at("memory").as_string(), "1Gi");
    EXPECT_EQ(res.at("requests").at("cpu").as_string(), "50m");
}

TEST(HelmValues, IngressCanBeDisabledAndUrlFollowsHosts) {
    DeployConfig config;
    auto r = sample_request();
    EXPECT_EQ(app_url(r, config), "https://sample.example.com");
    r.helm_values = json::parse(R"({"ingress":{"enabled":false}})").as_object();
    EXPECT_FALSE(chart_values(r, config).contains("ingresses"));
    EXPECT_EQ(app_url(r, config), "");
    r.helm_values = {};
    r.domains.clear();
    EXPECT_EQ(app_url(r, config), "");
    config.default_domain = "apps.example.org";
    config.cluster_issuer.clear();
    EXPECT_EQ(app_url(r, config), "http://sample-app-my-project.apps.example.org");
    EXPECT_FALSE(chart_values(r, config).at("ingresses").at("sample-app-my-project.apps.example.org").as_object().contains(
        "certManager"));
}

TEST(HelmValues, OciChartReference) {
    DeployConfig config;
    config.chart_repo = "oci://registry.example.com/charts";
    auto chart = helm_chart(sample_request(), config, sample_app());
    EXPECT_EQ(chart.at("spec").at("chart").as_string(), "oci://registry.example.com/charts/nxs-universal-chart");
    EXPECT_FALSE(chart.at("spec").as_object().contains("repo"));
}

TEST(HelmValues, SplitImageAndDeepMerge) {
    EXPECT_EQ(split_image("reg:5000/p/a:v1"), (std::pair<std::string, std::string>{"reg:5000/p/a", "v1"}));
    EXPECT_EQ(split_image("reg:5000/p/a"), (std::pair<std::string, std::string>{"reg:5000/p/a", "latest"}));
    EXPECT_EQ(split_image("nginx@sha256:abc"), (std::pair<std::string, std::string>{"nginx", "latest@sha256:abc"}));
    auto merged = deep_merge(json::parse(R"({"a":{"b":1,"c":[1,2]},"d":1})"), json::parse(R"({"a":{"c":[3]},"e":2})"));
    EXPECT_EQ(merged, json::parse(R"({"a":{"b":1,"c":[3]},"d":1,"e":2})"));
}

// The real chart renders these values in real_chart_test.cpp (operator_real_chart_test).

TEST(HelmValues, DefaultHostIsServedAlongsideCustomDomains) {
    DeployConfig config;
    config.default_domain = "apps.example.org";
    auto r = sample_request();
    auto plan = app_host_plan(r, config);
    ASSERT_EQ(plan.size(), 3u);
    EXPECT_EQ(plan[0].host, "sample.example.com");
    EXPECT_FALSE(plan[0].is_default);
    EXPECT_EQ(plan[1].host, "myapp.example.com");
    EXPECT_EQ(plan[2].host, "sample-app-my-project.apps.example.org");
    EXPECT_TRUE(plan[2].is_default);
    EXPECT_EQ(plan[2].ingress_name, "sample-app-sample-app-my-project.apps.example.org");
    EXPECT_EQ(plan[2].tls_secret, "sample-app-sample-app-my-project.apps.example.org-tls");
    EXPECT_EQ(app_url(r, config), "https://sample.example.com");  // a custom domain first
    r.domains.clear();
    r.helm_values = {};
    EXPECT_EQ(app_url(r, config), "https://sample-app-my-project.apps.example.org");
    config.cluster_issuer.clear();
    for (const auto& h : app_host_plan(sample_request(), config)) EXPECT_EQ(h.tls_secret, "");
}

TEST(HelmValues, HostIngressNamesFitTheChartsLimit) {
    EXPECT_EQ(host_ingress_name("web", "shop.example.com"), "web-shop.example.com");
    EXPECT_EQ(host_ingress_name("web", "*.shop.example.com"), "web-wildcard.shop.example.com");
    const std::string long_host = std::string(50, 'a') + ".example.com";
    const auto name = host_ingress_name("web", long_host);
    EXPECT_LE(name.size(), 63u);
    EXPECT_EQ(name.rfind("web-", 0), 0u);
    EXPECT_EQ(name, host_ingress_name("web", long_host));  // stable
    EXPECT_NE(name, host_ingress_name("web", std::string(51, 'a') + ".example.com"));
}

TEST(HelmValues, AutoscalingWritesAnHpaAndStartsAtTheMinimum) {
    auto r = sample_request();
    r.autoscaling = Autoscaling{.min_replicas = 3, .max_replicas = 9, .cpu_percent = 60, .memory_percent = std::nullopt};
    auto values = chart_values(r, DeployConfig{});
    EXPECT_EQ(values.at("deployments").at("sample-app").at("replicas").as_int64(), 3);
    const auto& hpa = values.at("hpas").at("sample-app").as_object();
    EXPECT_EQ(hpa.at("apiVersion").as_string(), "autoscaling/v2");
    EXPECT_EQ(hpa.at("scaleTargetRef").at("name").as_string(), "sample-app");
    EXPECT_EQ(hpa.at("minReplicas").as_int64(), 3);
    EXPECT_EQ(hpa.at("maxReplicas").as_int64(), 9);
    EXPECT_EQ(hpa.at("metrics").as_array().size(), 1u);
    EXPECT_FALSE(hpa.contains("targetCPU"));  // the chart's shorthand writes autoscaling/v2beta1 fields
}

TEST(HelmValues, StoppedIsZeroReplicasAsTheChartReadsItAndNoHpa) {
    auto r = sample_request();
    r.autoscaling = Autoscaling{.min_replicas = 2, .max_replicas = 4, .cpu_percent = 50, .memory_percent = 70};
    r.stopped = true;
    auto values = chart_values(r, DeployConfig{});
    // A string: the chart's `replicas | default 1` takes an integer 0 for unset.
    EXPECT_EQ(values.at("deployments").at("sample-app").at("replicas"), json::value("0"));
    EXPECT_FALSE(values.contains("hpas"));
    r.stopped = false;
    r.autoscaling.reset();
    r.helm_values = {};
    EXPECT_EQ(chart_values(r, DeployConfig{}).at("deployments").at("sample-app").at("replicas").as_int64(), 1);
}

TEST(HelmValues, RestartedAtIsAPodTemplateAnnotationMergedWithUserAnnotations) {
    auto r = sample_request();
    EXPECT_FALSE(chart_values(r, DeployConfig{}).at("deployments").at("sample-app").at("podAnnotations").as_object().contains(
        kRestartedAtAnnotation));
    r.restarted_at = "2026-12-03T20:00:00Z";
    const auto annotations = chart_values(r, DeployConfig{}).at("deployments").at("sample-app").at("podAnnotations");
    EXPECT_EQ(annotations.at(kRestartedAtAnnotation).as_string(), "2026-12-03T20:00:00Z");
    EXPECT_EQ(annotations.at("team").as_string(), "web");  // helmValues' own annotation kept
}

TEST(HelmValues, DeployRequestReadsStopRestartAndAutoscalingFromTheApp) {
    auto app = json::parse(R"({"metadata":{"name":"web","namespace":"shop"},"spec":{"replicas":2,"stopped":true,
        "restartedAt":"2026-12-03T20:00:00Z",
        "autoscaling":{"maxReplicas":5,"targetMemoryUtilizationPercentage":75}}})")
                   .as_object();
    auto build = json::parse(R"({"metadata":{"name":"web-1"}})").as_object();
    auto r = deploy_request_for(app, build, "img:1", {}, "");
    EXPECT_TRUE(r.stopped);
    EXPECT_EQ(r.restarted_at, "2026-12-03T20:00:00Z");
    ASSERT_TRUE(r.autoscaling.has_value());
    EXPECT_EQ(r.autoscaling->min_replicas, 1);
    EXPECT_EQ(r.autoscaling->max_replicas, 5);
    EXPECT_FALSE(r.autoscaling->cpu_percent.has_value());
    EXPECT_EQ(r.autoscaling->memory_percent, 75);
    app["spec"].as_object().erase("autoscaling");
    app["spec"].as_object().erase("stopped");
    r = deploy_request_for(app, build, "img:1", {}, "");
    EXPECT_FALSE(r.stopped);
    EXPECT_FALSE(r.autoscaling.has_value());
}
