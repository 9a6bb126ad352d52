// An app's build settings through the API, on SQLite and PostgreSQL: the
// Dockerfile path and the context sub-path (validated as paths inside the
// repository, documented in the OpenAPI schema, sent to the cluster in the
// App), and what the cluster reports back about builds (the detected build
// type, a Reused build with its commit and image), the test playing the
// cluster's operator through the shared protocol codec.
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <thread>

#include "common/json_fields.hpp"
#include "tests/server/fake_agent.hpp"
#include "tests/server/server_fixture.hpp"

namespace sb::server::testing {
namespace {
namespace json = boost::json;
using namespace std::chrono_literals;

class BuildSettings : public ::testing::TestWithParam<Backend> {
protected:
    void SetUp() override {
        server = std::make_unique<TestServer>(GetParam());
        admin = std::make_unique<ApiClient>(server->admin());
        team = server->default_team(*admin);
        auto shop = licensed_project_on_cluster(*admin, team);
        token = shop.agent_token;
        apps = shop.project_path + "/apps";
    }
    // The next App the server sends to the cluster (acknowledging what comes before it).
    static std::optional<json::object> next_app(FakeAgent& agent) {
        while (auto m = agent.receive(10s)) {
            if (!m->id.empty()) agent.send({"", sb::agent::Ack{m->id, std::nullopt}});
            if (auto* apply = std::get_if<sb::agent::Apply>(&m->body); apply && get_string(apply->object, "kind") == "App")
                return apply->object;
        }
        return std::nullopt;
    }
    // Polls `path` until `ok` holds for what the API shows (returns the last answer).
    json::value wait_for(const std::string& path, const std::function<bool(const json::value&)>& ok) {
        json::value shown;
        for (int i = 0; i < 250; ++i) {
            shown = admin->get(path).json();
            if (ok(shown)) break;
            std::this_thread::sleep_for(20ms);
        }
        return shown;
    }

    std::unique_ptr<TestServer> server;
    std::unique_ptr<ApiClient> admin;
    std::string team, token, apps;
};

TEST_P(BuildSettings, DockerfileAndContextPathAreValidatedStoredAndSentToTheCluster) {
    auto created = admin->post(apps, json::object{{"name", "web"},
                                                  {"git", {{"url", "https://example.test/web.git"}}},
                                                  {"build", {{"type", "detect"},
                                                             {"dockerfile", "docker/Dockerfile.prod"},
                                                             {"contextPath", "services/web"}}}});
    ASSERT_EQ(created.status, 201) << created.body;
    const auto app = apps + "/" + std::string(created.json().at("id").as_string());
    auto shown = admin->get(app).json();
    EXPECT_EQ(shown.at("build").at("type").as_string(), "detect");
    EXPECT_EQ(shown.at("build").at("dockerfile").as_string(), "docker/Dockerfile.prod");
    EXPECT_EQ(shown.at("build").at("contextPath").as_string(), "services/web");
    EXPECT_EQ(shown.at("status").at("buildType").as_string(), "") << "nothing reported yet";

    // Paths outside the repository, absolute or with whitespace are refused, naming the field.
    for (const char* bad : {"/srv/web", "..", "../web", "services/../../etc", "services/..", "my app", ""}) {
        auto r = admin->patch(app, json::object{{"build", {{"type", "dockerfile"}, {"contextPath", bad}}}});
        EXPECT_EQ(r.status, 400) << bad << " -> " << r.body;
        EXPECT_EQ(r.error_field(), "build.contextPath") << bad;
    }
    auto r = admin->patch(app, json::object{{"build", {{"type", "dockerfile"}, {"dockerfile", "../Dockerfile"}}}});
    EXPECT_EQ(r.error_field(), "build.dockerfile") << r.body;
    r = admin->post(apps, json::object{{"name", "other"}, {"build", {{"contextPath", "/abs"}}}});
    EXPECT_EQ(r.error_field(), "build.contextPath") << r.body;
    // A name with dots that is not a .. segment is a path like any other.
    r = admin->patch(app, json::object{{"build", {{"type", "detect"}, {"dockerfile", "docker/Dockerfile.prod"},
                                                  {"contextPath", "services/web..v2/./app"}}}});
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.json().at("build").at("contextPath").as_string(), "services/web..v2/./app");

    // The App the cluster gets: both paths, and no type (its build detects it).
    FakeAgent agent(server->port(), token);
    agent.handshake();
    auto sent = next_app(agent);
    ASSERT_TRUE(sent);
    EXPECT_EQ(get_string(*sent, "spec.build.contextPath"), "services/web..v2/./app");
    EXPECT_EQ(get_string(*sent, "spec.build.dockerfile"), "docker/Dockerfile.prod");
    EXPECT_EQ(find_value(*sent, "spec.build.type"), nullptr);

    // The OpenAPI document describes both fields of the app body.
    auto doc = server->anonymous().get("/api/v1/openapi.json").json();
    const std::string apps_pattern = "/api/v1/teams/{team}/projects/{project}/apps";
    for (auto [method, path] : {std::pair{"post", apps_pattern}, std::pair{"patch", apps_pattern + "/{app}"}}) {
        const auto& build = doc.at("paths").at(path).at(method).at("requestBody").at("content").at("application/json")
                                .at("schema").at("properties").at("build").at("properties");
        EXPECT_EQ(build.at("contextPath").at("pattern").as_string(), "^[^/\\s][^\\s]*$") << method;
        EXPECT_EQ(build.at("dockerfile").at("pattern").as_string(), "^[^/\\s][^\\s]*$") << method;
        EXPECT_EQ(build.at("type").at("enum").as_array().size(), 4u) << method;
    }
}

TEST_P(BuildSettings, TheDetectedBuildTypeAndAReusedBuildAreShown) {
    auto created = admin->post(apps, json::object{{"name", "web"},
                                                  {"git", {{"url", "https://example.test/web.git"}}},
                                                  {"build", {{"type", "detect"}}}});
    ASSERT_EQ(created.status, 201) << created.body;
    const auto app = apps + "/" + std::string(created.json().at("id").as_string());
    auto build = admin->post(app + "/builds", json::object{{"gitRef", "main"}});
    ASSERT_EQ(build.status, 201) << build.body;
    EXPECT_EQ(build.json().at("status").at("reason").as_string(), "");
    EXPECT_EQ(build.json().at("status").at("buildType").as_string(), "");
    const std::string build_id(build.json().at("id").as_string());
    const auto build_path = app + "/builds/" + build_id;

    FakeAgent agent(server->port(), token);
    agent.handshake();
    const std::string commit = "3f786850e387550fdab836ed7e6dc881de23001b";
    const std::string image = "registry.example.com/shop/web:earlier";
    const std::string digest = "sha256:" + std::string(64, 'a');
    agent.send({"", sb::agent::Status{{"AppBuild", "shop", "build-" + build_id}, "20", 1,
                                      {{"phase", "Completed"}, {"reason", "Reused"},
                                       {"message", "reused the image of build build-x (commit 3f786850e387, resolved from main, same settings); nothing was built"},
                                       {"buildType", "dockerfile"}, {"commit", commit}, {"image", image}, {"digest", digest},
                                       {"startTime", "2026-12-03T10:00:00Z"}, {"completionTime", "2026-12-03T10:00:01Z"}},
                                      false}});
    auto shown = wait_for(build_path, [](const json::value& b) { return b.at("status").at("phase") == "Completed"; });
    const auto& status = shown.at("status");
    EXPECT_EQ(status.at("phase").as_string(), "Completed");
    EXPECT_EQ(status.at("reason").as_string(), "Reused");
    EXPECT_EQ(status.at("buildType").as_string(), "dockerfile");
    EXPECT_EQ(status.at("commit").as_string(), commit);
    EXPECT_EQ(status.at("image").as_string(), image);
    EXPECT_NE(status.at("message").as_string().find("nothing was built"), std::string::npos);
    auto listed = admin->get(app + "/builds").json();
    EXPECT_EQ(listed.at("items").at(0).at("status").at("reason").as_string(), "Reused");

    // The app: asked to detect, reported as buildpack by its cluster.
    agent.send({"", sb::agent::Status{{"App", "shop", "web"}, "21", 1,
                                      {{"phase", "Running"}, {"message", ""}, {"buildType", "buildpack"}}, false}});
    auto app_shown = wait_for(app, [](const json::value& a) { return a.at("status").at("buildType") == "buildpack"; });
    EXPECT_EQ(app_shown.at("build").at("type").as_string(), "detect");
    EXPECT_EQ(app_shown.at("status").at("buildType").as_string(), "buildpack");
    EXPECT_EQ(app_shown.at("status").at("phase").as_string(), "Running");
    auto app_listed = admin->get(apps).json();
    EXPECT_EQ(app_listed.at("items").at(0).at("status").at("buildType").as_string(), "buildpack");
}

INSTANTIATE_TEST_SUITE_P(Backends, BuildSettings, ::testing::Values(Backend::sqlite, Backend::postgres),
                         [](const auto& info) { return backend_name(info.param); });

}  // namespace
}  // namespace sb::server::testing
