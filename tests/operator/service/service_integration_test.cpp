// The Service controller against the real control plane: credentials,
// connection secret, HelmChart, binding into an app's deploy, and deletion
// refused while an app still binds the service.
#include <gtest/gtest.h>

#include "crd_types.hpp"
#include "operator_harness.hpp"
#include "service_objects.hpp"

namespace json = boost::json;
using namespace sb::op;
using namespace sb::op::testing;
using namespace std::chrono_literals;

namespace {
json::object service_object(const std::string& ns, const std::string& name, const std::string& type) {
    return {{"apiVersion", "apps.shapeblock.io/v1alpha1"},
            {"kind", "Service"},
            {"metadata", {{"name", name}, {"namespace", ns}}},
            {"spec", {{"type", type}, {"storage", {{"size", "2Gi"}}}}}};
}
}  // namespace

TEST(ServiceIntegration, CredentialsConnectionChartBindingAndGuardedDeletion) {
    SyncClient client;
    install_crds(client);
    const std::string ns = "svc-" + std::to_string(::getpid() % 100000);
    client.create_namespace(ns);
    build::AppBuildSettings settings;
    settings.registry.secret_name = "registry-credentials";
    OperatorUnderTest op(settings);

    client.create(crds::services, service_object(ns, "db", "postgres"));
    std::optional<json::object> creds, conn, chart;
    ASSERT_TRUE(eventually([&] {
        creds = client.try_get(sb::kube::resources::secrets, ns, "db-credentials");
        conn = client.try_get(sb::kube::resources::secrets, ns, "db-connection");
        chart = client.try_get(crds::helmcharts, ns, "db");
        return creds && conn && chart;
    }));
    const auto password = service::read_credentials(*creds).password;
    EXPECT_EQ(password.size(), 32u);
    EXPECT_TRUE(conn->at("data").as_object().contains("DATABASE_URL"));
    EXPECT_EQ(chart->at("spec").at("failurePolicy").as_string(), "abort");
    EXPECT_EQ(std::string(chart->at("spec").at("valuesContent").as_string()).find(password), std::string::npos);
    json::object svc;
    ASSERT_TRUE(eventually([&] {
        svc = client.get(crds::services, ns, "db");
        return status_of(svc, "connectionSecretName") == "db-connection";
    }));
    EXPECT_EQ(status_of(svc, "phase"), "Deploying");
    EXPECT_EQ(json::serialize(svc).find(password), std::string::npos) << "no password in the Service";

    // Bind: the app's deploy gets the connection secret as envFrom.
    auto app = app_object(ns, "web", "image");
    app["spec"].as_object()["services"] = json::array{"db"};
    client.create(crds::apps, app);
    client.create(crds::appbuilds, image_build_object(ns, "web-1", "web", "registry.example.com/" + ns + "/web:1"));
    ASSERT_TRUE(eventually([&] { return client.try_get(crds::helmcharts, ns, "web").has_value(); }));
    auto values = json::parse(std::string(client.get(crds::helmcharts, ns, "web").at("spec").at("valuesContent").as_string()));
    EXPECT_EQ(values.at("deployments").at("web").at("containers").at(0).at("envFrom").at(0).at("secretRef").at("name").as_string(),
              "db-connection");

    // Deleting a bound service is refused in status until the app unbinds it.
    client.remove(crds::services, ns, "db");
    ASSERT_TRUE(eventually([&] { return status_of(client.get(crds::services, ns, "db"), "phase") == "Deleting"; }));
    EXPECT_NE(status_of(client.get(crds::services, ns, "db"), "message").find("web"), std::string::npos);
    auto current = client.get(crds::apps, ns, "web");
    current["spec"].as_object()["services"] = json::array{};
    client.update(crds::apps, current);
    EXPECT_TRUE(eventually([&] { return !client.try_get(crds::services, ns, "db").has_value(); }));
    // Unbinding redeploys the app without the secret.
    EXPECT_TRUE(eventually([&] {
        auto v = json::parse(std::string(client.get(crds::helmcharts, ns, "web").at("spec").at("valuesContent").as_string()));
        return !v.at("deployments").at("web").at("containers").at(0).as_object().contains("envFrom");
    }));
}
