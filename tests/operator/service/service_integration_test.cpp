// The Service controller against the real control plane: credentials,
// connection secret, HelmChart, binding into an app's deploy, deletion
// refused while an app still binds the service, and Ready only once the
// database's StatefulSet runs (the test plays helm-controller and the
// kubelet; the real Job and StatefulSet controllers do the rest).
#include <gtest/gtest.h>

#include <atomic>

#include "operator/common/crd_types.hpp"
#include "tests/operator/support/operator_harness.hpp"
#include "operator/service/service_objects.hpp"

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

// Unique per test run, also with --gtest_repeat.
std::string fresh_namespace(const std::string& prefix) {
    static std::atomic<int> n{0};
    return prefix + "-" + std::to_string(::getpid() % 100000) + "-" + std::to_string(n++);
}

// The kubelet's part for a pod that keeps crashing.
void crash_loop_release_pods(SyncClient& client, const std::string& ns, const std::string& release) {
    for (auto& pod : client.list(sb::kube::resources::pods, ns, "app.kubernetes.io/instance=" + release)) {
        json::array statuses;
        for (const auto& container : pod.at("spec").at("containers").as_array())
            statuses.push_back(json::object{
                {"name", container.at("name")},
                {"ready", false},
                {"restartCount", 3},
                {"image", container.at("image")},
                {"imageID", ""},
                {"state", {{"waiting", {{"reason", "CrashLoopBackOff"}, {"message", "back-off 40s restarting failed container"}}}}},
                {"lastState", {{"terminated", {{"exitCode", 1}, {"reason", "Error"}, {"message", "FATAL: could not write lock file"}}}}}});
        pod["status"] = json::object{{"phase", "Running"}, {"containerStatuses", std::move(statuses)}};
        client.update_status(sb::kube::resources::pods, std::move(pod));
    }
}

bool reaches(SyncClient& client, const std::string& ns, const std::string& name, const std::string& phase,
             std::string& message) {
    return eventually([&] {
        auto svc = client.get(crds::services, ns, name);
        message = status_of(svc, "message");
        return status_of(svc, "phase") == phase;
    });
}

// Each test: the CRDs, a namespace of its own and a running operator.
class ServiceIntegration : public ::testing::Test {
protected:
    ServiceIntegration() : ns(fresh_namespace("svc")) {
        install_crds(client);
        client.create_namespace(ns);
        appbuild::AppBuildSettings settings;
        settings.registry.secret_name = "registry-credentials";
        op = std::make_unique<OperatorUnderTest>(settings);
    }

    SyncClient client;
    const std::string ns;
    std::unique_ptr<OperatorUnderTest> op;
};
}  // namespace

TEST_F(ServiceIntegration, ReadyOnlyOnceTheDatabaseStatefulSetRuns) {

    client.create(crds::services, service_object(ns, "db", "postgres"));
    ASSERT_TRUE(eventually([&] { return client.try_get(crds::helmcharts, ns, "db").has_value(); }));
    run_install_job(client, ns, "db", true);
    std::string message;
    ASSERT_TRUE(reaches(client, ns, "db", "Deploying", message));
    EXPECT_TRUE(eventually([&] {
        message = status_of(client.get(crds::services, ns, "db"), "message");
        return message.find("waiting for a StatefulSet labelled app.kubernetes.io/instance=db") != std::string::npos;
    })) << message;

    // The chart's StatefulSet: its pod is created but not ready, the Service waits.
    create_release_statefulset(client, ns, "db", "postgresql", 1);
    ASSERT_TRUE(eventually([&] { return !client.list(sb::kube::resources::pods, ns, "app.kubernetes.io/instance=db").empty(); }));
    EXPECT_TRUE(eventually([&] {
        message = status_of(client.get(crds::services, ns, "db"), "message");
        return message == "database starting: StatefulSet db-postgresql: 0/1 replicas ready";
    })) << message;
    EXPECT_EQ(status_of(client.get(crds::services, ns, "db"), "phase"), "Deploying");

    // The database crash-loops: Failed, with the container's last words.
    crash_loop_release_pods(client, ns, "db");
    ASSERT_TRUE(reaches(client, ns, "db", "Failed", message)) << message;
    EXPECT_TRUE(message.starts_with("database failed: pod db-postgresql-0 container postgresql: CrashLoopBackOff")) << message;
    EXPECT_NE(message.find("could not write lock file"), std::string::npos) << message;

    // It comes up: the StatefulSet controller counts the ready replica, the Service is Ready.
    ASSERT_EQ(make_release_pods_ready(client, ns, "db"), 1u);
    ASSERT_TRUE(reaches(client, ns, "db", "Ready", message)) << message;
    EXPECT_EQ(message, "database running (1 replica ready); connection details in Secret db-connection");
    EXPECT_EQ(client.get(sb::kube::resources::statefulsets, ns, "db-postgresql").at("status").at("readyReplicas").as_int64(), 1);
}

TEST_F(ServiceIntegration, CredentialsConnectionChartBindingAndGuardedDeletion) {

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
