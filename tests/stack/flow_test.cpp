// End to end on the local control plane, through the REST API and the event
// WebSocket only: a project, an app and a build reach the cluster; the test
// plays the kubelet for the build pod; the build's status comes back to the
// API and the WebSocket; the HelmChart carries the built image; a service
// and its binding; deletes empty the cluster and the API.
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "common/json_fields.hpp"
#include "operator/common/crd_types.hpp"
#include "tests/operator/support/operator_harness.hpp"
#include "tests/stack/stack_test.hpp"

namespace sb::stacktest {
namespace {

namespace json = boost::json;
namespace crds = op::crds;
using namespace std::chrono_literals;
using server::testing::WsClient;

const std::string kCommit = "3333333333333333333333333333333333333333";
const std::string kDigest = "sha256:" + std::string(64, 'e');

class StackFlow : public StackTest {
protected:
    bool gone_from_cluster(const kube::ResourceRef& r, const std::string& ns, const std::string& name) {
        return wait_until([&] { return !kube.try_get(r, ns, name); }, 60s);
    }
    // Waits until the API shows `path` with status.phase == phase; returns what it showed last.
    json::value api_phase(const std::string& path, const std::string& phase) {
        json::value last;
        wait_until([&] {
            auto r = api().get(path);
            if (r.status != 200) return false;
            last = r.json();
            return last.at("status").at("phase") == phase.c_str();
        }, 60s);
        return last;
    }
    // Reads the WebSocket until an event of `kind` whose data matches; false when none came in time.
    static bool saw_event(WsClient& ws, const std::string& kind, const std::function<bool(const json::value&)>& match) {
        const auto deadline = std::chrono::steady_clock::now() + 60s;
        while (std::chrono::steady_clock::now() < deadline) {
            auto m = ws.read(5s);
            if (!m) continue;
            auto v = json::parse(*m);
            const auto* k = v.is_object() ? v.as_object().if_contains("kind") : nullptr;
            if (k && *k == kind.c_str() && match(v.at("data"))) return true;
        }
        return false;
    }

};

TEST_F(StackFlow, ProjectAppBuildServiceAndDeleteThroughTheApi) {
    // A project on the cluster: the Project and its namespace.
    auto project = expect_json(api().post(team_path() + "/projects", json::object{{"name", "shop"}, {"clusterId", stack_->cluster_id()}}),
                               201, "project");
    const std::string project_path = team_path() + "/projects/" + std::string(project.at("id").as_string());
    auto p = in_cluster(crds::projects, "", "shop", [](const json::object& o) { return get_string(o, "status.phase") == "Active"; });
    ASSERT_TRUE(p) << "the Project never became Active";
    EXPECT_EQ(op::label_value(*p, "shapeblock.io/id"), project.at("id").as_string());
    EXPECT_TRUE(kube.try_get(kube::resources::namespaces, "", "shop"));

    // An app, and the WebSocket following it before anything is built.
    auto app = expect_json(api().post(project_path + "/apps",
                                      json::object{{"name", "web"},
                                                   {"git", {{"url", "https://git.example.test/team/web.git"}}},
                                                   {"registry", {{"url", "registry.example.test"}}},
                                                   {"domains", json::array{"web.example.test"}}}),
                           201, "app");
    const std::string app_id(app.at("id").as_string());
    const std::string app_path = project_path + "/apps/" + app_id;
    auto app_object = in_cluster(crds::apps, "shop", "web");
    ASSERT_TRUE(app_object);
    EXPECT_EQ(get_string(*app_object, "spec.git.url"), "https://git.example.test/team/web.git");
    WsClient events(stack_->server_port(), team_path() + "/events", api().bearer);
    events.send(json::serialize(json::object{{"type", "subscribe"}, {"topic", "app:" + app_id}}));
    ASSERT_TRUE(events.read());

    // A build: the AppBuild with the API's ref and tag.
    auto build = expect_json(api().post(app_path + "/builds", json::object{{"gitRef", kCommit}, {"imageTag", "v1"}}), 201, "build");
    const std::string build_id(build.at("id").as_string());
    const std::string build_path = app_path + "/builds/" + build_id;
    const std::string build_name = "build-" + build_id;
    auto appbuild = in_cluster(crds::appbuilds, "shop", build_name);
    ASSERT_TRUE(appbuild) << "no AppBuild " << build_name;
    EXPECT_EQ(get_string(*appbuild, "spec.appName"), "web");
    EXPECT_EQ(get_string(*appbuild, "spec.gitRef"), kCommit);
    EXPECT_EQ(get_string(*appbuild, "spec.imageTag"), "v1");

    // The kubelet's part: the clone finished, the build runs.
    const std::string image = "registry.example.test/shop/web:v1";
    auto pod = op::testing::wait_for_build_pod(kube, "shop", build_name);
    op::testing::finish_pod(kube, pod, "Running", {{"clone", 0, op::testing::clone_message(kCommit, "dockerfile", image)}}, {});
    auto running = api_phase(build_path, "Building");
    EXPECT_EQ(running.at("status").at("phase"), "Building") << json::serialize(running);
    EXPECT_TRUE(saw_event(events, "build.updated", [&](const json::value& d) {
        return d.at("id") == build_id.c_str() && d.at("status").at("phase") == "Building";
    }));
    // The log while it runs: readable (what the cluster streamed so far).
    auto live = api().get(build_path + "/logs");
    EXPECT_EQ(live.status, 200) << live.body;
    EXPECT_EQ(live.header("content-type"), "text/plain; charset=utf-8");

    // The build finishes: Completed in the API and on the WebSocket, the HelmChart carries the image.
    pod = kube.get(kube::resources::pods, "shop", get_string(pod, "metadata.name"));
    op::testing::finish_pod(kube, pod, "Succeeded", {{"clone", 0, op::testing::clone_message(kCommit, "dockerfile", image)}},
                            {{"build", 0, kDigest}});
    auto done = api_phase(build_path, "Completed");
    EXPECT_EQ(done.at("status").at("phase"), "Completed") << json::serialize(done);
    EXPECT_TRUE(done.at("finishedAt").is_string());
    EXPECT_TRUE(saw_event(events, "build.updated", [&](const json::value& d) {
        return d.at("id") == build_id.c_str() && d.at("status").at("phase") == "Completed";
    }));
    auto chart = in_cluster(crds::helmcharts, "shop", "web");
    ASSERT_TRUE(chart) << "no HelmChart for the app";
    EXPECT_EQ(op::testing::chart_image(*chart), "registry.example.test/shop/web:v1@" + kDigest);
    EXPECT_EQ(get_string(*chart, "spec.targetNamespace"), "shop");
    auto after = api().get(build_path + "/logs");
    EXPECT_EQ(after.status, 200) << after.body;
    // One build, billed once.
    auto usage = expect_json(api().get(team_path() + "/usage?kind=build_minutes"), 200, "usage");
    ASSERT_EQ(usage.at("items").as_array().size(), 1u) << json::serialize(usage);
    EXPECT_EQ(usage.at("items").at(0).at("subjectId"), build_id.c_str());

    // A service: the Service in the cluster, its phase back in the API; the binding reaches the app's chart.
    auto service = expect_json(api().post(project_path + "/services", json::object{{"name", "db"}, {"type", "postgresql"}}), 201, "service");
    const std::string service_path = project_path + "/services/" + std::string(service.at("id").as_string());
    auto service_object = in_cluster(crds::services, "shop", "db");
    ASSERT_TRUE(service_object);
    EXPECT_EQ(get_string(*service_object, "spec.type"), "postgres");
    EXPECT_TRUE(in_cluster(kube::resources::secrets, "shop", "db-connection")) << "no connection Secret";
    EXPECT_TRUE(wait_until([&] {
        auto r = api().get(service_path);
        return r.status == 200 && !r.json().at("status").at("phase").as_string().empty();
    }, 60s)) << api().get(service_path).body;
    // The API binds by id, the cluster's App by the Service's name.
    expect_json(api().patch(app_path, json::object{{"services", json::array{service.at("id")}}}), 200, "bind");
    EXPECT_TRUE(in_cluster(crds::apps, "shop", "web", [](const json::object& o) {
        const auto* s = find_value(o, "spec.services");
        return s && s->is_array() && s->as_array().size() == 1 && s->as_array()[0] == "db";
    })) << "the binding never reached the App";
    EXPECT_TRUE(in_cluster(crds::helmcharts, "shop", "web", [](const json::object& c) {
        return get_string(c, "spec.valuesContent").find("db-connection") != std::string::npos;
    })) << "the app's chart never took the service's connection Secret";

    // Deletes: the service, the app, the project; gone from the cluster and the API.
    expect_json(api().del(service_path), 204, "delete service");
    EXPECT_TRUE(gone_from_cluster(crds::services, "shop", "db"));
    EXPECT_EQ(api().get(service_path).status, 404);
    expect_json(api().del(app_path), 204, "delete app");
    EXPECT_TRUE(gone_from_cluster(crds::apps, "shop", "web"));
    EXPECT_TRUE(gone_from_cluster(crds::appbuilds, "shop", build_name));
    EXPECT_EQ(api().get(app_path).status, 404);
    expect_json(api().del(project_path), 204, "delete project");
    EXPECT_TRUE(gone_from_cluster(crds::projects, "", "shop"));
    EXPECT_TRUE(gone_from_cluster(kube::resources::namespaces, "", "shop"));
    EXPECT_EQ(api().get(project_path).status, 404);
}

}  // namespace
}  // namespace sb::stacktest
