// The values the operator writes for an app, rendered by the real
// nxs-universal-chart (../shared/charts) with `helm template`: the objects the
// cluster would get must be the ones the App asks for.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <map>

#include "common/json_fields.hpp"
#include "operator/helm/deploy_request.hpp"
#include "operator/helm/helm_values.hpp"
#include "tests/operator/support/real_chart.hpp"

namespace {

namespace json = boost::json;
using namespace sb::op::helm;
using namespace sb::op::testing;
using sb::get_string;

constexpr const char* kNamespace = "shop";

json::object app_with(std::string_view spec) {
    auto app = json::parse(R"({"apiVersion":"apps.shapeblock.io/v1alpha1","kind":"App",
        "metadata":{"name":"web","namespace":"shop","uid":"u-1"}})").as_object();
    app["spec"] = json::parse(spec);
    return app;
}

const json::object kBuild = json::parse(R"({"metadata":{"name":"web-build-3","namespace":"shop"}})").as_object();

// An App as the API writes it: two custom domains, env from a Secret key, a
// bound service (envFrom), autoscaling, a restart.
const char* kFullSpec = R"({
    "git":{"url":"https://git.example.com/shop/web.git"},
    "port":3000, "replicas":2,
    "domains":["shop.example.com","www.shop.example.com"],
    "env":[{"name":"MODE","value":"live"},
           {"name":"STRIPE_KEY","valueFrom":{"secretKeyRef":{"name":"web-env","key":"stripe"}}}],
    "services":["db"],
    "autoscaling":{"minReplicas":2,"maxReplicas":6,"targetCPUUtilizationPercentage":70,
                   "targetMemoryUtilizationPercentage":80},
    "restartedAt":"2026-12-03T20:00:00Z"})";

DeployConfig tls_config() {
    DeployConfig config;
    config.cluster_issuer = "letsencrypt-prod";
    config.ingress_class = "traefik";
    config.default_domain = "apps.example.org";
    return config;
}

std::vector<json::object> render(const json::object& app, const DeployConfig& config) {
    auto request = deploy_request_for(app, kBuild, "registry.example.com/shop/web:abc123", {"db-connection"},
                                      "registry-credentials");
    return helm_template(shared_chart(kUniversalChart), "web", kNamespace, chart_values(request, config));
}

std::map<std::string, json::object> env_by_name(const json::object& container) {
    std::map<std::string, json::object> out;
    for (const auto& e : container.at("env").as_array()) out[get_string(e.as_object(), "name")] = e.as_object();
    return out;
}

}  // namespace

TEST(RealUniversalChart, EachHostGetsItsIngressWithTlsThroughIngressShim) {
    const auto objects = render(app_with(kFullSpec), tls_config());
    const auto ingresses = rendered_of_kind(objects, "Ingress");
    ASSERT_EQ(ingresses.size(), 3u);  // two custom domains and the default host
    struct Want {
        std::string host, name;
    };
    for (const auto& want : {Want{"shop.example.com", "web-shop.example.com"},
                             Want{"www.shop.example.com", "web-www.shop.example.com"},
                             Want{"web-shop.apps.example.org", "web-web-shop.apps.example.org"}}) {
        SCOPED_TRACE(want.host);
        const auto& ingress = rendered(objects, "Ingress", want.name);
        EXPECT_EQ(get_string(ingress, "metadata.namespace"), kNamespace);
        EXPECT_EQ(ingress.at("metadata").at("labels").at("shapeblock.io/app").as_string(), "web");
        const auto& annotations = ingress.at("metadata").at("annotations").as_object();
        // ingress-shim makes the Certificate from these.
        EXPECT_EQ(annotations.at("cert-manager.io/cluster-issuer").as_string(), "letsencrypt-prod");
        EXPECT_EQ(annotations.at("kubernetes.io/tls-acme").as_string(), "true");
        EXPECT_EQ(get_string(ingress, "spec.ingressClassName"), "traefik");
        const auto& rules = ingress.at("spec").at("rules").as_array();
        ASSERT_EQ(rules.size(), 1u);
        EXPECT_EQ(get_string(rules[0].as_object(), "host"), want.host);
        const auto& path = rules[0].at("http").at("paths").at(0).as_object();
        EXPECT_EQ(get_string(path, "backend.service.name"), "web");
        EXPECT_EQ(path.at("backend").at("service").at("port").at("number").as_int64(), 80);
        const auto& tls = ingress.at("spec").at("tls").as_array();
        ASSERT_EQ(tls.size(), 1u);
        EXPECT_EQ(tls[0].at("hosts"), json::array{json::value(want.host)});
        EXPECT_EQ(get_string(tls[0].as_object(), "secretName"), want.name + "-tls");
    }
    // The Service the Ingresses point at.
    const auto& service = rendered(objects, "Service", "web");
    EXPECT_EQ(service.at("spec").at("ports").at(0).at("port").as_int64(), 80);
    EXPECT_EQ(service.at("spec").at("ports").at(0).at("targetPort").as_int64(), 3000);
}

TEST(RealUniversalChart, TlsSecretNamesAreTheOnesTheOperatorReportsOn) {
    const auto app = app_with(kFullSpec);
    const auto config = tls_config();
    const auto objects = render(app, config);
    auto request = deploy_request_for(app, kBuild, "registry.example.com/shop/web:abc123", {}, "");
    for (const auto& host : app_host_plan(request, config)) {
        const auto& ingress = rendered(objects, "Ingress", host.ingress_name);
        EXPECT_EQ(get_string(ingress.at("spec").at("tls").at(0).as_object(), "secretName"), host.tls_secret);
    }
}

TEST(RealUniversalChart, WithoutAnIssuerIngressesHaveNoTlsAndNoCertManagerAnnotation) {
    auto config = tls_config();
    config.cluster_issuer.clear();
    const auto objects = render(app_with(kFullSpec), config);
    for (const auto* ingress : rendered_of_kind(objects, "Ingress")) {
        EXPECT_FALSE(ingress->at("spec").as_object().contains("tls"));
        const auto* annotations = sb::find_object(*ingress, "metadata.annotations");
        EXPECT_TRUE(!annotations || !annotations->contains("cert-manager.io/cluster-issuer"));
    }
}

TEST(RealUniversalChart, AutoscalingMakesAnAutoscalingV2HpaOnTheDeployment) {
    const auto objects = render(app_with(kFullSpec), tls_config());
    const auto& hpa = rendered(objects, "HorizontalPodAutoscaler", "web");
    EXPECT_EQ(get_string(hpa, "apiVersion"), "autoscaling/v2");
    EXPECT_EQ(get_string(hpa, "spec.scaleTargetRef.kind"), "Deployment");
    EXPECT_EQ(get_string(hpa, "spec.scaleTargetRef.name"), "web");
    EXPECT_EQ(get_string(hpa, "spec.scaleTargetRef.apiVersion"), "apps/v1");
    EXPECT_EQ(hpa.at("spec").at("minReplicas").as_int64(), 2);
    EXPECT_EQ(hpa.at("spec").at("maxReplicas").as_int64(), 6);
    const auto& metrics = hpa.at("spec").at("metrics").as_array();
    ASSERT_EQ(metrics.size(), 2u);
    EXPECT_EQ(metrics[0], json::parse(R"({"type":"Resource","resource":{"name":"cpu",
        "target":{"type":"Utilization","averageUtilization":70}}})"));
    EXPECT_EQ(metrics[1], json::parse(R"({"type":"Resource","resource":{"name":"memory",
        "target":{"type":"Utilization","averageUtilization":80}}})"));
    // The Deployment starts at the autoscaler's minimum (not spec.replicas).
    EXPECT_EQ(rendered(objects, "Deployment", "web").at("spec").at("replicas").as_int64(), 2);
}

TEST(RealUniversalChart, CpuOnlyAutoscalingHasOneMetric) {
    auto app = app_with(R"({"git":{"url":"https://g/x.git"},"replicas":1,
        "autoscaling":{"maxReplicas":3,"targetCPUUtilizationPercentage":50}})");
    const auto objects = render(app, DeployConfig{});
    const auto& hpa = rendered(objects, "HorizontalPodAutoscaler", "web");
    EXPECT_EQ(hpa.at("spec").at("minReplicas").as_int64(), 1);
    EXPECT_EQ(hpa.at("spec").at("maxReplicas").as_int64(), 3);
    ASSERT_EQ(hpa.at("spec").at("metrics").as_array().size(), 1u);
    EXPECT_EQ(get_string(hpa.at("spec").at("metrics").at(0).as_object(), "resource.name"), "cpu");
}

TEST(RealUniversalChart, DeploymentCarriesEnvEnvFromRestartAnnotationAndImage) {
    const auto objects = render(app_with(kFullSpec), tls_config());
    const auto& deployment = rendered(objects, "Deployment", "web");
    const auto& pod = deployment.at("spec").at("template").as_object();
    EXPECT_EQ(pod.at("metadata").at("annotations").at(kRestartedAtAnnotation).as_string(), "2026-12-03T20:00:00Z");
    const auto& spec = pod.at("spec").as_object();
    EXPECT_EQ(spec.at("imagePullSecrets").at(0).at("name").as_string(), "registry-credentials");
    const auto& container = spec.at("containers").at(0).as_object();
    EXPECT_EQ(get_string(container, "image"), "registry.example.com/shop/web:abc123");
    auto env = env_by_name(container);
    EXPECT_EQ(get_string(env["MODE"], "value"), "live");
    EXPECT_EQ(get_string(env["PORT"], "value"), "3000");
    EXPECT_EQ(get_string(env["STRIPE_KEY"], "valueFrom.secretKeyRef.name"), "web-env");
    EXPECT_EQ(get_string(env["STRIPE_KEY"], "valueFrom.secretKeyRef.key"), "stripe");
    EXPECT_FALSE(env["STRIPE_KEY"].contains("value"));
    ASSERT_EQ(container.at("envFrom").as_array().size(), 1u);
    EXPECT_EQ(get_string(container.at("envFrom").at(0).as_object(), "secretRef.name"), "db-connection");
    EXPECT_EQ(container.at("ports").at(0).at("containerPort").as_int64(), 3000);
}

TEST(RealUniversalChart, AChangedRestartTimeChangesOnlyThePodTemplateAnnotation) {
    auto first = app_with(kFullSpec);
    auto second = first;
    second["spec"].as_object()["restartedAt"] = "2026-12-03T21:00:00Z";
    auto a = rendered(render(first, tls_config()), "Deployment", "web");
    auto b = rendered(render(second, tls_config()), "Deployment", "web");
    EXPECT_NE(a, b);
    a["spec"].as_object()["template"].as_object()["metadata"].as_object()["annotations"].as_object().erase(
        kRestartedAtAnnotation);
    b["spec"].as_object()["template"].as_object()["metadata"].as_object()["annotations"].as_object().erase(
        kRestartedAtAnnotation);
    EXPECT_EQ(a, b);
}

TEST(RealUniversalChart, StoppedRendersZeroReplicasAndNoAutoscaler) {
    auto app = app_with(kFullSpec);
    app["spec"].as_object()["stopped"] = true;
    const auto objects = render(app, tls_config());
    // The chart's `replicas | default 1` would turn an integer 0 into 1.
    EXPECT_EQ(rendered(objects, "Deployment", "web").at("spec").at("replicas").as_int64(), 0);
    EXPECT_TRUE(rendered_of_kind(objects, "HorizontalPodAutoscaler").empty());
    EXPECT_EQ(rendered_of_kind(objects, "Ingress").size(), 3u);  // the hosts stay configured
}

TEST(RealUniversalChart, ZeroReplicasWithoutStopAreZeroToo) {
    auto app = app_with(R"({"git":{"url":"https://g/x.git"},"replicas":0})");
    EXPECT_EQ(rendered(render(app, DeployConfig{}), "Deployment", "web").at("spec").at("replicas").as_int64(), 0);
    app["spec"].as_object()["replicas"] = 4;
    EXPECT_EQ(rendered(render(app, DeployConfig{}), "Deployment", "web").at("spec").at("replicas").as_int64(), 4);
}
