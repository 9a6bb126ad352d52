// Cluster import: the one-time registration URL (SQLite and PostgreSQL) —
// it works once, even for concurrent requests; an expired one answers 410, a
// wrong or replaced one 401; what it serves parses into the operator's
// objects with the chart's RBAC unchanged, carries a working agent token, and
// a real kube-apiserver accepts all of it.
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <set>
#include <thread>

#include "common/base64.hpp"
#include "tests/deploy/deploy_fixture.hpp"
#include "tests/deploy/json_match.hpp"
#include "tests/server/fake_agent.hpp"
#include "tests/server/server_fixture.hpp"
#include "tests/support/child_process.hpp"

namespace sb::server::testing {
namespace {
namespace json = boost::json;

// The request target of a registration URL (the part after scheme and host).
std::string target_of(const json::value& registration) {
    std::string url(registration.at("url").as_string());
    return url.substr(url.find("/api/v1/"));
}

std::string env_value(const json::value& deployment, const std::string& name, std::string* secret_ref = nullptr) {
    const auto& container = deployment.at("spec").at("template").at("spec").at("containers").at(0);
    for (const auto& e : container.at("env").as_array()) {
        if (e.at("name") != json::value(name.c_str())) continue;
        if (secret_ref && e.as_object().contains("valueFrom")) {
            const auto& ref = e.at("valueFrom").at("secretKeyRef");
            *secret_ref = std::string(ref.at("name").as_string()) + "/" + std::string(ref.at("key").as_string());
        }
        return e.as_object().contains("value") ? std::string(e.at("value").as_string()) : "";
    }
    return "<absent>";
}

const json::value& only_of_kind(const std::vector<json::value>& docs, const std::string& kind) {
    const json::value* found = nullptr;
    for (const auto& d : docs)
        if (d.at("kind") == json::value(kind.c_str())) {
            EXPECT_EQ(found, nullptr) << "more than one " << kind;
            found = &d;
        }
    if (!found) throw std::runtime_error("no " + kind + " in the manifest");
    return *found;
}

class ClusterRegistration : public ::testing::TestWithParam<Backend> {
protected:
    void SetUp() override { start(); }
    void start(std::function<void(Config&)> adjust = {}) {
        server = std::make_unique<TestServer>(GetParam(), std::move(adjust));
        admin = std::make_unique<ApiClient>(server->admin());
        team = server->default_team(*admin);
        EXPECT_EQ(admin->put("/api/v1/licence", json::object{{"document", make_licence("multi", 10, 10)}}).status, 200);
        clusters = "/api/v1/teams/" + team + "/clusters";
        auto created = expect_status(admin->post(clusters, json::object{{"name", "imported"}}), 201);
        cluster_id = std::string(created.at("id").as_string());
        first_agent_token = std::string(created.at("agentToken").as_string());
        registration = created.at("registration");
    }
    std::unique_ptr<TestServer> server;
    std::unique_ptr<ApiClient> admin;
    std::string team, clusters, cluster_id, first_agent_token;
    json::value registration;
};

TEST_P(ClusterRegistration, CreatingAClusterGivesAOneTimeKubectlCommand) {
    std::string url(registration.at("url").as_string());
    std::string base = "http://127.0.0.1:" + std::to_string(server->port());
    EXPECT_TRUE(url.starts_with(base + "/api/v1/clusters/" + cluster_id + "/install.yaml?token=sbr_")) << url;
    EXPECT_EQ(std::string(registration.at("command").as_string()), "kubectl apply -f '" + url + "'");
    EXPECT_TRUE(registration.at("expiresAt").is_string());
    // Only the token's hash is at rest.
    std::string token = url.substr(url.find("token=") + 6);
    auto rows = server->storage().raw_query("SELECT token_hash FROM cluster_registrations");
    ASSERT_EQ(rows.size(), 1u);
    EXPECT_EQ(rows[0][0].size(), 64u);
    EXPECT_EQ(rows[0][0].find(token), std::string::npos);

    auto first = server->anonymous().get(target_of(registration));
    ASSERT_EQ(first.status, 200) << first.body;
    EXPECT_EQ(first.header("content-type"), "application/yaml");
    EXPECT_EQ(first.header("cache-control"), "no-store");
    auto second = server->anonymous().get(target_of(registration));
    EXPECT_EQ(second.status, 410) << second.body;
    EXPECT_EQ(second.error_code(), "registration_used");
}

TEST_P(ClusterRegistration, TheManifestHoldsTheOperatorItsRbacAndAWorkingAgentToken) {
    auto served = server->anonymous().get(target_of(registration));
    ASSERT_EQ(served.status, 200) << served.body;
    // yaml-cpp reads it as the operator's objects, in an order kubectl can apply.
    std::vector<std::string> kinds;
    for (const auto& doc : YAML::LoadAll(served.body)) kinds.push_back(doc["kind"].as<std::string>());
    EXPECT_EQ(std::multiset<std::string>(kinds.begin(), kinds.end()),
              (std::multiset<std::string>{"CustomResourceDefinition", "CustomResourceDefinition", "CustomResourceDefinition",
                                          "CustomResourceDefinition", "Namespace", "ServiceAccount", "ClusterRole",
                                          "ClusterRoleBinding", "Role", "RoleBinding", "Service", "Secret", "Deployment"}));
    auto position = [&](const std::string& kind) { return std::find(kinds.begin(), kinds.end(), kind) - kinds.begin(); };
    EXPECT_LT(position("Namespace"), position("Secret"));
    EXPECT_LT(position("Secret"), position("Deployment"));

    auto docs = sb::deploytest::yaml_documents_to_json(served.body);
    const auto& secret = only_of_kind(docs, "Secret");
    EXPECT_EQ(secret.at("metadata").at("namespace"), "shapeblock");
    std::string agent_token(secret.at("stringData").at("token").as_string());
    EXPECT_TRUE(agent_token.starts_with("sba_" + cluster_id + "_")) << agent_token;
    EXPECT_EQ(served.body.find(first_agent_token), std::string::npos);
    const auto& deployment = only_of_kind(docs, "Deployment");
    EXPECT_EQ(env_value(deployment, "SB_OPERATOR_SERVER_URL"), "http://127.0.0.1:" + std::to_string(server->port()));
    EXPECT_EQ(env_value(deployment, "SB_OPERATOR_CLUSTER_ID"), cluster_id);
    std::string ref;
    env_value(deployment, "SB_OPERATOR_AGENT_TOKEN", &ref);
    EXPECT_EQ(ref, std::string(secret.at("metadata").at("name").as_string()) + "/token");
    EXPECT_EQ(deployment.at("spec").at("template").at("spec").at("containers").at(0).at("image"),
              "ghcr.io/shapeblock/shapeblock-operator:0.1.0");

    // Everything but the Secret and the Deployment's connection is the chart's
    // rendered manifest as it is: the same CRDs and the same least-privilege RBAC.
    auto chart = sb::deploytest::load_yaml_file(sb::deploytest::source_dir() / "deploy/manifests/shapeblock-operator.yaml");
    std::vector<json::value> unchanged;
    for (const auto& d : docs)
        if (d.at("kind") != "Secret" && d.at("kind") != "Deployment") unchanged.push_back(d);
    std::vector<json::value> chart_unchanged;
    for (const auto& d : chart)
        if (d.at("kind") != "Deployment") chart_unchanged.push_back(d);
    EXPECT_EQ(unchanged, chart_unchanged);
    auto chart_deployment = only_of_kind(chart, "Deployment");
    auto served_env = deployment.at("spec").at("template").at("spec").at("containers").at(0).at("env").as_array();
    EXPECT_EQ(served_env.size(), chart_deployment.at("spec").at("template").at("spec").at("containers").at(0).at("env").as_array().size() + 3);

    // The manifest's token is now the cluster's agent token; the one from the create is void.
    EXPECT_THROW(FakeAgent(server->port(), first_agent_token), std::exception);
    FakeAgent agent(server->port(), agent_token);
    agent.handshake(cluster_id);
}

TEST_P(ClusterRegistration, ConcurrentRequestsSpendItOnce) {
    constexpr int kRequests = 8;
    std::vector<int> statuses(kRequests);
    std::vector<std::thread> threads;
    for (int i = 0; i < kRequests; ++i)
        threads.emplace_back([&, i] { statuses[i] = server->anonymous().get(target_of(registration)).status; });
    for (auto& t : threads) t.join();
    EXPECT_EQ(std::count(statuses.begin(), statuses.end(), 200), 1);
    EXPECT_EQ(std::count(statuses.begin(), statuses.end(), 410), kRequests - 1);
}

TEST_P(ClusterRegistration, AnExpiredUrlIsGone) {
    server->storage().raw_exec("UPDATE cluster_registrations SET expires_at = 1000");
    auto r = server->anonymous().get(target_of(registration));
    EXPECT_EQ(r.status, 410) << r.body;
    EXPECT_EQ(r.error_code(), "registration_expired");
    EXPECT_NE(r.json().at("error").at("message").as_string().find("1970-01-01T00:00:01"), std::string::npos) << r.body;
}

TEST_P(ClusterRegistration, AWrongOrMissingTokenIsRefusedAndSpendsNothing) {
    auto target = target_of(registration);
    std::string wrong = target.substr(0, target.find("token=") + 6) + "sbr_" + std::string(64, '0');
    auto r = server->anonymous().get(wrong);
    EXPECT_EQ(r.status, 401) << r.body;
    EXPECT_EQ(r.error_code(), "registration_invalid");
    auto missing = server->anonymous().get("/api/v1/clusters/" + cluster_id + "/install.yaml");
    EXPECT_EQ(missing.status, 401);
    EXPECT_EQ(missing.error_field(), "token");
    // The right token on another cluster's URL (another team's) is no token at all.
    auto other_team = expect_status(admin->post("/api/v1/teams", json::object{{"name", "other"}}), 201);
    auto other = expect_status(
        admin->post("/api/v1/teams/" + std::string(other_team.at("id").as_string()) + "/clusters", json::object{{"name", "x"}}),
        201);
    std::string swapped = target;
    swapped.replace(swapped.find(cluster_id), cluster_id.size(), std::string(other.at("id").as_string()));
    EXPECT_EQ(server->anonymous().get(swapped).status, 401);
    EXPECT_EQ(server->anonymous().get("/api/v1/clusters/nosuchcluster/install.yaml?token=sbr_x").status, 401);
    // None of that spent the real URL.
    EXPECT_EQ(server->anonymous().get(target).status, 200);
}

TEST_P(ClusterRegistration, ANewRegistrationReplacesTheOldOneAndDeletingTheClusterRevokesIt) {
    auto again = expect_status(admin->post(clusters + "/" + cluster_id + "/registration", json::object{}), 201);
    auto replaced = server->anonymous().get(target_of(registration));
    EXPECT_EQ(replaced.status, 401) << replaced.body;
    auto fresh = again.at("registration");
    EXPECT_NE(fresh.at("url"), registration.at("url"));
    // A used registration can be renewed too (to reinstall the operator).
    EXPECT_EQ(server->anonymous().get(target_of(fresh)).status, 200);
    auto renewed = expect_status(admin->post(clusters + "/" + cluster_id + "/registration", json::object{}), 201);
    auto removed = expect_status(admin->del(clusters + "/" + cluster_id), 200);
    EXPECT_NE(removed.at("cleanup").as_string().find("kubectl delete namespace shapeblock"), std::string::npos);
    auto revoked = server->anonymous().get(target_of(renewed.at("registration")));
    EXPECT_EQ(revoked.status, 401) << revoked.body;
    EXPECT_TRUE(server->storage().raw_query("SELECT cluster_id FROM cluster_registrations").empty());
}

TEST_P(ClusterRegistration, GuessingIsRateLimitedPerAddress) {
    start([](Config& c) { c.login_failures_per_ip = 3; });
    auto target = target_of(registration);
    std::string wrong = target.substr(0, target.find("token=") + 6) + "sbr_guess";
    for (int i = 0; i < 3; ++i) EXPECT_EQ(server->anonymous().get(wrong).status, 401);
    auto limited = server->anonymous().get(target);
    EXPECT_EQ(limited.status, 429) << limited.body;
    EXPECT_FALSE(limited.header("retry-after").empty());
}

TEST_P(ClusterRegistration, ThePublicUrlAndOperatorImageComeFromTheConfig) {
    start([](Config& c) {
        c.public_url = "https://sb.example.test/";
        c.operator_image = "registry.example.test/shapeblock-operator:9.9.9";
    });
    std::string url(registration.at("url").as_string());
    EXPECT_TRUE(url.starts_with("https://sb.example.test/api/v1/clusters/" + cluster_id + "/install.yaml?token=")) << url;
    auto served = server->anonymous().get(target_of(registration));
    ASSERT_EQ(served.status, 200) << served.body;
    auto docs = sb::deploytest::yaml_documents_to_json(served.body);
    const auto& deployment = only_of_kind(docs, "Deployment");
    EXPECT_EQ(env_value(deployment, "SB_OPERATOR_SERVER_URL"), "https://sb.example.test");
    EXPECT_EQ(deployment.at("spec").at("template").at("spec").at("containers").at(0).at("image"),
              "registry.example.test/shapeblock-operator:9.9.9");
}

// The real operator binary, started with the served Deployment's environment
// as the kubelet would resolve it (the Secret's token, the pod's name and
// namespace) and --print-config, reads every variable and connects to the
// server as this cluster. It refuses any SB_OPERATOR_* variable it does not read.
TEST_P(ClusterRegistration, TheRealOperatorReadsTheServedEnvironment) {
    auto served = server->anonymous().get(target_of(registration));
    ASSERT_EQ(served.status, 200) << served.body;
    auto docs = sb::deploytest::yaml_documents_to_json(served.body);
    std::string token(only_of_kind(docs, "Secret").at("stringData").at("token").as_string());
    std::vector<std::string> argv{"env", "-i"};
    const auto& container = only_of_kind(docs, "Deployment").at("spec").at("template").at("spec").at("containers").at(0);
    for (const auto& e : container.at("env").as_array()) {
        std::string value;
        if (const auto* v = e.as_object().if_contains("value")) value = std::string(v->as_string());
        else if (e.at("valueFrom").as_object().contains("secretKeyRef")) value = token;
        else value = "shapeblock";  // fieldRef: the pod's namespace or name
        argv.push_back(std::string(e.at("name").as_string()) + "=" + value);
    }
    argv.push_back(SB_OPERATOR_BINARY);
    argv.push_back("--print-config");
    auto settings = json::parse(testenv::run_command(argv)).as_object();
    EXPECT_EQ(settings.at("server-url"), json::value("http://127.0.0.1:" + std::to_string(server->port())));
    EXPECT_EQ(settings.at("cluster-id"), json::value(cluster_id));
    EXPECT_EQ(settings.at("agent-token"), "set");
}

INSTANTIATE_TEST_SUITE_P(Backends, ClusterRegistration, ::testing::Values(Backend::sqlite, Backend::postgres),
                         [](const auto& info) { return backend_name(info.param); });

// What `kubectl apply -f <url>` does, against a real kube-apiserver: every
// document is accepted, the CRDs become Established, the Deployment exists
// with the server's address and the Secret holds the agent token.
TEST(ClusterRegistrationOnApiServer, TheServedManifestApplies) {
    TestServer server(Backend::sqlite);
    auto admin = server.admin();
    auto team = server.default_team(admin);
    auto created = expect_status(admin.post("/api/v1/teams/" + team + "/clusters", json::object{{"name", "kube"}}), 201);
    std::string cluster_id(created.at("id").as_string());
    auto served = server.anonymous().get(target_of(created.at("registration")));
    ASSERT_EQ(served.status, 200) << served.body;
    auto docs = sb::deploytest::yaml_documents_to_json(served.body);
    sb::deploytest::KubeApi api(testenv::LocalControlPlane::shared());
    for (const auto& doc : docs) {
        SCOPED_TRACE(json::serialize(doc.at("kind")) + " " + json::serialize(doc.at("metadata").at("name")));
        auto response = api.apply(doc);
        EXPECT_TRUE(response.status == 200 || response.status == 201) << response.status << " " << response.body;
        if (doc.at("kind") == "CustomResourceDefinition") {
            EXPECT_NO_THROW(api.wait_crd_established(std::string(doc.at("metadata").at("name").as_string())));
        }
    }
    auto deployment = api.get("/apis/apps/v1/namespaces/shapeblock/deployments/shapeblock-operator");
    EXPECT_EQ(env_value(deployment, "SB_OPERATOR_CLUSTER_ID"), cluster_id);
    EXPECT_EQ(env_value(deployment, "SB_OPERATOR_SERVER_URL"), "http://127.0.0.1:" + std::to_string(server.port()));
    auto secret = api.get("/api/v1/namespaces/shapeblock/secrets/shapeblock-agent-token");
    std::string token = sb::base64_decode(std::string(secret.at("data").at("token").as_string()));
    EXPECT_EQ(token, std::string(only_of_kind(docs, "Secret").at("stringData").at("token").as_string()));
    EXPECT_TRUE(token.starts_with("sba_" + cluster_id + "_"));
    // The operator's ServiceAccount got the chart's RBAC.
    auto binding = api.get("/apis/rbac.authorization.k8s.io/v1/clusterrolebindings/shapeblock-operator");
    EXPECT_EQ(binding.at("subjects").at(0).at("name"), "shapeblock-operator");
}

}  // namespace
}  // namespace sb::server::testing
