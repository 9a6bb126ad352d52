// The operator's Helm chart and the rendered kubectl manifest: helm lint and
// template pass, the manifest is up to date, every object applies to a real
// apiserver with its security settings intact, and the RBAC is least
// privilege (no wildcards; allowed and denied actions checked by the
// apiserver's own authorizer through SubjectAccessReviews).
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <set>

#include "tests/support/child_process.hpp"
#include "tests/deploy/deploy_fixture.hpp"
#include "tests/support/scratch.hpp"
#include "tests/deploy/json_match.hpp"

namespace sb::deploytest {
namespace {
namespace json = boost::json;
namespace fs = std::filesystem;

const std::string kChart = (source_dir() / "deploy/charts/shapeblock-operator").string();
const fs::path kManifest = source_dir() / "deploy/manifests/shapeblock-operator.yaml";

std::vector<json::value> of_kind(const std::vector<json::value>& docs, const std::string& kind) {
    std::vector<json::value> out;
    for (const auto& d : docs)
        if (d.at("kind") == json::value(kind.c_str())) out.push_back(d);
    return out;
}

std::vector<json::value> render(const std::vector<std::string>& extra_args = {}) {
    std::vector<std::string> args{"template", "shapeblock-operator", kChart, "--namespace", "shapeblock"};
    args.insert(args.end(), extra_args.begin(), extra_args.end());
    return yaml_documents_to_json(run_helm(args));
}

void apply_all(KubeApi& api, const std::vector<json::value>& docs) {
    for (const auto& doc : docs) {
        SCOPED_TRACE(json::serialize(doc.at("kind")) + " " + json::serialize(doc.at("metadata").at("name")));
        auto response = api.apply(doc);
        EXPECT_TRUE(response.status == 200 || response.status == 201) << response.status << " " << response.body;
        if (doc.at("kind") == "CustomResourceDefinition")
            api.wait_crd_established(std::string(doc.at("metadata").at("name").as_string()));
    }
}

TEST(Chart, HelmLintPassesStrict) {
    auto out = run_helm({"lint", "--strict", kChart});
    EXPECT_NE(out.find("0 chart(s) failed"), std::string::npos) << out;
}

TEST(Chart, RenderedManifestAndChartCrdsAreUpToDate) {
    // Fails (run_command throws with the diff) when deploy/render-manifest.sh was not rerun.
    EXPECT_NO_THROW(testenv::run_command({"bash", (source_dir() / "deploy/render-manifest.sh").string(), "--check"}));
}

TEST(Chart, TemplateRendersTheOperatorObjects) {
    auto docs = render({"--include-crds"});
    std::multiset<std::string> kinds;
    for (const auto& d : docs) kinds.insert(std::string(d.at("kind").as_string()));
    const std::multiset<std::string> expected{
        "CustomResourceDefinition", "CustomResourceDefinition", "CustomResourceDefinition", "CustomResourceDefinition",
        "ServiceAccount", "ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding", "Deployment", "Service"};
    EXPECT_EQ(kinds, expected);

    auto deployment = of_kind(docs, "Deployment").at(0);
    const auto& pod = deployment.at("spec").at("template").at("spec");
    EXPECT_EQ(pod.at("securityContext").at("runAsNonRoot"), json::value(true));
    EXPECT_EQ(pod.at("securityContext").at("runAsUser"), json::value(65532));
    EXPECT_EQ(pod.at("securityContext").at("seccompProfile").at("type"), "RuntimeDefault");
    const auto& container = pod.at("containers").as_array().at(0);
    EXPECT_EQ(container.at("image"), "ghcr.io/shapeblock/shapeblock-operator:0.1.0");
    EXPECT_EQ(container.at("securityContext").at("readOnlyRootFilesystem"), json::value(true));
    EXPECT_EQ(container.at("securityContext").at("allowPrivilegeEscalation"), json::value(false));
    EXPECT_EQ(container.at("securityContext").at("capabilities").at("drop"), json::parse(R"(["ALL"])"));
    EXPECT_EQ(container.at("livenessProbe").at("httpGet").at("path"), "/healthz");
    EXPECT_EQ(container.at("readinessProbe").at("httpGet").at("path"), "/readyz");
    EXPECT_EQ(container.at("resources").at("requests").at("memory"), "32Mi");
    EXPECT_EQ(container.at("resources").at("limits").at("memory"), "128Mi");

    std::map<std::string, std::string> env;
    for (const auto& e : container.at("env").as_array()) {
        if (const auto* v = e.as_object().if_contains("value")) env[std::string(e.at("name").as_string())] = v->as_string();
    }
    EXPECT_EQ(env["SB_OPERATOR_CHART_NAME"], "nxs-universal-chart");
    EXPECT_FALSE(env["SB_OPERATOR_CHART_VERSION"].empty());
    EXPECT_EQ(env["SB_OPERATOR_REGISTRY_SECRET_NAMESPACE"], "shapeblock");
    EXPECT_EQ(env["SB_OPERATOR_METRICS_ADDRESS"], "0.0.0.0:8080");
}

TEST(Chart, TemplateRefusesBadValues) {
    EXPECT_THROW(render({"--set", "operator.logLevel=loud"}), std::runtime_error);
    EXPECT_THROW(render({"--set", "builders.dockerfileBuilder=docker"}), std::runtime_error);
    EXPECT_THROW(render({"--set", "deploy.chart.version="}), std::runtime_error);
    EXPECT_THROW(render({"--set", "deploy.chart.version=latest"}), std::runtime_error);
    EXPECT_THROW(render({"--set", "operator.concurrency=0"}), std::runtime_error);
    EXPECT_THROW(render({"--set", "build.resources.limits.memory=lots"}), std::runtime_error);
    EXPECT_THROW(render({"--set", "registry.url=https://registry.example.com"}), std::runtime_error);
    EXPECT_THROW(render({"--set", "server.url=http://10.0.0.5:8080"}), std::runtime_error);  // plain HTTP: loopback only
    EXPECT_NO_THROW(render({"--set", "server.url=http://127.0.0.1:8080"}));
    EXPECT_NO_THROW(render({"--set", "operator.kubeApiQps=7.5", "--set", "server.url=wss://sb.example.com/agent"}));
}

TEST(Chart, RbacHasNoWildcardsAndNoPrivilegeEscalationVerbs) {
    auto docs = render();
    auto roles = of_kind(docs, "ClusterRole");
    auto namespaced = of_kind(docs, "Role");
    roles.insert(roles.end(), namespaced.begin(), namespaced.end());
    ASSERT_EQ(roles.size(), 2u);
    const std::set<std::string> forbidden_verbs{"*", "escalate", "bind", "impersonate", "deletecollection"};
    for (const auto& role : roles) {
        for (const auto& rule : role.at("rules").as_array()) {
            SCOPED_TRACE(json::serialize(rule));
            EXPECT_FALSE(rule.as_object().contains("nonResourceURLs"));
            for (const char* field : {"apiGroups", "resources", "verbs", "resourceNames"}) {
                const auto* list = rule.as_object().if_contains(field);
                if (!list) continue;
                for (const auto& item : list->as_array())
                    EXPECT_EQ(std::string(item.as_string()).find('*'), std::string::npos) << field;
            }
            for (const auto& verb : rule.at("verbs").as_array())
                EXPECT_FALSE(forbidden_verbs.count(std::string(verb.as_string())));
        }
    }
    // The leader-election Role is namespaced to the release namespace and only touches leases.
    const auto lease_role = of_kind(docs, "Role").at(0);
    const auto& lease_rules = lease_role.at("rules").as_array();
    ASSERT_EQ(lease_rules.size(), 1u);
    EXPECT_EQ(lease_rules[0].at("resources"), json::parse(R"(["leases"])"));
}

TEST(Chart, EveryRbacRuleIsDocumented) {
    const auto doc = testenv::read_file(source_dir() / "deploy/RBAC.md");
    auto docs = render();
    auto roles = of_kind(docs, "ClusterRole");
    roles.push_back(of_kind(docs, "Role").at(0));
    for (const auto& role : roles)
        for (const auto& rule : role.at("rules").as_array())
            for (const auto& resource : rule.at("resources").as_array()) {
                const std::string needle = "`" + std::string(resource.as_string()) + "`";
                EXPECT_NE(doc.find(needle), std::string::npos) << needle << " is granted but not explained in deploy/RBAC.md";
            }
}

class ChartOnApiServer : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        auto& api = api_with_crds();
        apply_all(api, load_yaml_file(kManifest));
    }
    KubeApi& api() { return api_with_crds(); }

    // Asks the apiserver's RBAC authorizer whether the operator's ServiceAccount may do this.
    bool operator_may(const std::string& verb, const std::string& group, const std::string& resource,
                      const std::string& ns = "", const std::string& subresource = "") {
        json::object attributes{{"verb", verb}, {"group", group}, {"resource", resource}};
        if (!ns.empty()) attributes["namespace"] = ns;
        if (!subresource.empty()) attributes["subresource"] = subresource;
        json::value review = {
            {"apiVersion", "authorization.k8s.io/v1"},
            {"kind", "SubjectAccessReview"},
            {"spec",
             {{"user", "system:serviceaccount:shapeblock:shapeblock-operator"},
              {"groups", json::array{"system:serviceaccounts", "system:serviceaccounts:shapeblock", "system:authenticated"}},
              {"resourceAttributes", attributes}}}};
        auto response = api().call("POST", "/apis/authorization.k8s.io/v1/subjectaccessreviews", json::serialize(review));
        if (response.status != 201) throw std::runtime_error("SubjectAccessReview: " + response.body);
        const auto parsed = json::parse(response.body);
        const auto& status = parsed.at("status").as_object();
        return status.contains("allowed") && status.at("allowed").as_bool();
    }
};

TEST_F(ChartOnApiServer, EveryRenderedObjectIsStoredWithItsSecuritySettingsIntact) {
    // Objects the apiserver does not understand would lose fields silently: read them back.
    for (const auto& doc : load_yaml_file(kManifest)) {
        if (doc.at("kind") == "CustomResourceDefinition") continue;
        SCOPED_TRACE(KubeApi::object_path(doc));
        auto stored = api().get(KubeApi::object_path(doc));
        for (const char* field : {"spec", "rules", "roleRef", "subjects"}) {
            if (!doc.as_object().contains(field)) continue;
            std::string mismatch;
            EXPECT_TRUE(json_contains(stored.at(field), doc.at(field), &mismatch)) << field << ": " << mismatch;
        }
    }
}

TEST_F(ChartOnApiServer, OperatorServiceAccountMayDoWhatTheOperatorNeeds) {
    struct Action {
        std::string verb, group, resource, ns, subresource;
    };
    const std::vector<Action> allowed{
        {"watch", "apps.shapeblock.io", "projects", "", ""},
        {"create", "apps.shapeblock.io", "apps", "my-project", ""},
        {"update", "apps.shapeblock.io", "appbuilds", "my-project", "status"},
        {"patch", "apps.shapeblock.io", "services", "my-project", "status"},
        {"update", "apps.shapeblock.io", "projects", "", "finalizers"},
        {"create", "", "namespaces", "", ""},
        {"delete", "", "namespaces", "", ""},
        {"create", "", "secrets", "my-project", ""},
        {"watch", "", "secrets", "shapeblock", ""},
        {"create", "", "resourcequotas", "my-project", ""},
        {"update", "", "limitranges", "my-project", ""},
        {"create", "networking.k8s.io", "networkpolicies", "my-project", ""},
        {"create", "batch", "jobs", "my-project", ""},
        {"get", "", "pods", "my-project", "log"},
        {"watch", "", "pods", "my-project", ""},
        {"watch", "apps", "deployments", "my-project", ""},
        {"watch", "apps", "statefulsets", "my-project", ""},
        {"patch", "helm.cattle.io", "helmcharts", "my-project", ""},
        {"watch", "networking.k8s.io", "ingresses", "my-project", ""},
        {"watch", "cert-manager.io", "certificates", "my-project", ""},
        {"update", "coordination.k8s.io", "leases", "shapeblock", ""},
        {"create", "", "events", "my-project", ""},
    };
    for (const auto& a : allowed)
        EXPECT_TRUE(operator_may(a.verb, a.group, a.resource, a.ns, a.subresource))
            << a.verb << " " << a.group << "/" << a.resource << "/" << a.subresource << " in '" << a.ns << "'";
}

TEST_F(ChartOnApiServer, OperatorServiceAccountMayNotDoMore) {
    struct Action {
        std::string verb, group, resource, ns, subresource;
    };
    const std::vector<Action> denied{
        {"update", "coordination.k8s.io", "leases", "kube-system", ""},
        {"create", "", "pods", "my-project", ""},
        {"delete", "", "pods", "my-project", ""},
        {"create", "", "pods", "my-project", "exec"},
        {"list", "", "configmaps", "my-project", ""},
        {"create", "apps", "deployments", "my-project", ""},
        {"update", "apps", "statefulsets", "my-project", ""},
        {"update", "batch", "jobs", "my-project", ""},
        {"patch", "", "namespaces", "", ""},
        {"get", "", "nodes", "", ""},
        {"create", "rbac.authorization.k8s.io", "rolebindings", "my-project", ""},
        {"escalate", "rbac.authorization.k8s.io", "clusterroles", "", ""},
        {"create", "apiextensions.k8s.io", "customresourcedefinitions", "", ""},
        {"list", "apiextensions.k8s.io", "customresourcedefinitions", "", ""},
        {"create", "networking.k8s.io", "ingresses", "my-project", ""},
        {"create", "cert-manager.io", "certificates", "my-project", ""},
        {"deletecollection", "", "secrets", "my-project", ""},
        {"impersonate", "", "serviceaccounts", "shapeblock", ""},
    };
    for (const auto& a : denied)
        EXPECT_FALSE(operator_may(a.verb, a.group, a.resource, a.ns, a.subresource))
            << a.verb << " " << a.group << "/" << a.resource << "/" << a.subresource << " in '" << a.ns << "'";
}

TEST_F(ChartOnApiServer, OperatorServiceAccountTokenIsAuthorisedByTheChartRbacOnly) {
    // The real path the operator takes: its ServiceAccount token, RBAC from the chart.
    const auto token = api().service_account_token("shapeblock", "shapeblock-operator");
    api().ensure_namespace("rbac-project");
    EXPECT_EQ(api().call_as(token, "GET", "/apis/apps.shapeblock.io/v1alpha1/projects").status, 200);
    EXPECT_EQ(api().call_as(token, "GET", "/api/v1/namespaces/rbac-project/secrets").status, 200);
    auto created = api().call_as(token, "POST", "/apis/apps.shapeblock.io/v1alpha1/namespaces/rbac-project/apps",
                                 R"({"apiVersion":"apps.shapeblock.io/v1alpha1","kind":"App",
                                     "metadata":{"name":"rbac"},"spec":{"git":{"url":"https://example.com/a.git"}}})");
    EXPECT_EQ(created.status, 201) << created.body;
    EXPECT_EQ(api().call_as(token, "GET", "/api/v1/namespaces/rbac-project/configmaps").status, 403);
    // Nodes may be listed (the agent link reports capacity), never read one by one or changed.
    EXPECT_EQ(api().call_as(token, "GET", "/api/v1/nodes").status, 200);
    EXPECT_EQ(api().call_as(token, "GET", "/api/v1/nodes/any-node").status, 403);
    EXPECT_EQ(api().call_as(token, "DELETE", "/api/v1/nodes/any-node").status, 403);
    EXPECT_EQ(api().call_as(token, "GET", "/apis/coordination.k8s.io/v1/namespaces/kube-system/leases").status, 403);
}

TEST_F(ChartOnApiServer, NonDefaultValuesRenderObjectsTheApiServerAccepts) {
    auto docs = yaml_documents_to_json(run_helm(
        {"template", "sb", kChart, "--namespace", "sb-system", "--set", "createNamespace=true", "--set",
         "server.url=wss://shapeblock.example.com/agent", "--set", "server.agentToken=one-time-token", "--set",
         "imagePullSecrets[0].name=ghcr", "--set", "builders.dockerfileBuilder=buildah", "--set", "replicaCount=2",
         "--set", "metricsService.enabled=false"}));
    EXPECT_EQ(of_kind(docs, "Service").size(), 0u);
    ASSERT_EQ(of_kind(docs, "Secret").size(), 1u);
    apply_all(api(), docs);
    auto deployment = api().get("/apis/apps/v1/namespaces/sb-system/deployments/sb-shapeblock-operator");
    EXPECT_EQ(deployment.at("spec").at("replicas"), json::value(2));
    auto secret = api().get("/api/v1/namespaces/sb-system/secrets/shapeblock-agent-token");
    EXPECT_TRUE(secret.at("data").as_object().contains("token"));
}

}  // namespace
}  // namespace sb::deploytest
