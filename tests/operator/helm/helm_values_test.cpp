#include "operator/helm/helm_values.hpp"

#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <boost/json.hpp>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>

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
    const auto& ingress = values.at("ingresses").at("sample.example.com").as_object();
    EXPECT_EQ(ingress.at("ingressClassName").as_string(), "traefik");
    EXPECT_EQ(ingress.at("certManager").at("originalIssuerName").as_string(), "letsencrypt-prod");
    ASSERT_EQ(ingress.at("hosts").as_array().size(), 2u);
    EXPECT_EQ(ingress.at("hosts").at(1).at("hostname").as_string(), "myapp.example.com");
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

// Renders the generated values with helm against the test chart that mirrors
// nxs-universal-chart's layout.
TEST(HelmValues, RendersWithHelmTemplate) {
    const std::string helm = std::string(std::getenv("HOME") ? std::getenv("HOME") : "") + "/.cache/shapeblock/bin/helm";
    if (!std::filesystem::exists(helm)) GTEST_SKIP() << "helm not installed at " << helm << " (run scripts/install-helm)";
    const auto dir = std::filesystem::temp_directory_path() / ("sb-helm-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    const auto values_file = dir / "values.yaml";
    const auto out_file = dir / "out.yaml";
    std::ofstream(values_file) << values_text(chart_values(sample_request(), DeployConfig{}));
    const std::string cmd = helm + " template sample-app " + testdata_path("chart") + " --namespace my-project -f " +
                            values_file.string() + " > " + out_file.string() + " 2>&1";
    ASSERT_EQ(std::system(cmd.c_str()), 0) << std::ifstream(out_file).rdbuf();

    std::map<std::string, YAML::Node> by_kind;
    for (const auto& doc : YAML::LoadAllFromFile(out_file.string()))
        if (doc.IsMap()) by_kind[doc["kind"].as<std::string>()] = doc;
    std::filesystem::remove_all(dir);

    ASSERT_TRUE(by_kind.count("Deployment"));
    const auto deployment = by_kind["Deployment"];
    EXPECT_EQ(deployment["metadata"]["name"].as<std::string>(), "sample-app");
    EXPECT_EQ(deployment["spec"]["replicas"].as<int>(), 2);
    const auto pod = deployment["spec"]["template"]["spec"];
    EXPECT_EQ(pod["imagePullSecrets"][0]["name"].as<std::string>(), "registry-credentials");
    const auto c = pod["containers"][0];
    EXPECT_EQ(c["image"].as<std::string>(),
              "registry.shapeblock.io/my-project/sample-app:v1.0.0@sha256:" + std::string(64, 'b'));
    EXPECT_EQ(c["ports"][0]["containerPort"].as<int>(), 3000);
    EXPECT_EQ(c["envFrom"][0]["secretRef"]["name"].as<std::string>(), "db-connection");
    EXPECT_EQ(c["env"][1]["name"].as<std::string>(), "LOG_LEVEL");
    EXPECT_EQ(c["env"][2]["valueFrom"]["secretKeyRef"]["name"].as<std::string>(), "api-secrets");
    EXPECT_EQ(c["readinessProbe"]["tcpSocket"]["port"].as<std::string>(), "http");

    ASSERT_TRUE(by_kind.count("Service"));
    EXPECT_EQ(by_kind["Service"]["metadata"]["name"].as<std::string>(), "sample-app");
    EXPECT_EQ(by_kind["Service"]["spec"]["ports"][0]["port"].as<int>(), 80);

    ASSERT_TRUE(by_kind.count("Ingress"));
    const auto ingress = by_kind["Ingress"];
    EXPECT_EQ(ingress["metadata"]["name"].as<std::string>(), "sample-app");
    EXPECT_EQ(ingress["metadata"]["annotations"]["cert-manager.io/cluster-issuer"].as<std::string>(), "letsencrypt-prod");
    EXPECT_EQ(ingress["spec"]["ingressClassName"].as<std::string>(), "traefik");
    EXPECT_EQ(ingress["spec"]["rules"][0]["host"].as<std::string>(), "sample.example.com");
    EXPECT_EQ(ingress["spec"]["rules"][1]["host"].as<std::string>(), "myapp.example.com");
    EXPECT_EQ(ingress["spec"]["rules"][0]["http"]["paths"][0]["backend"]["service"]["name"].as<std::string>(), "sample-app");
    EXPECT_EQ(ingress["spec"]["tls"][0]["secretName"].as<std::string>(), "sample-app-tls");
}
