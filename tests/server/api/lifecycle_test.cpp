// An app's lifecycle through the API (SQLite and PostgreSQL), with the test
// playing the cluster's operator: scale (replicas, resources, autoscaling)
// within the project's quota, stop/start/restart, releases (numbered, one per
// build however often its Completed is delivered), rollback of image and
// config together, and domains with the state the operator reports. What
// reaches the cluster is read from the App and AppBuild objects the server
// sends.
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <thread>

#include "common/json_fields.hpp"
#include "tests/server/fake_agent.hpp"
#include "tests/server/server_fixture.hpp"

namespace sb::server::testing {
namespace {
namespace json = boost::json;
using namespace std::chrono_literals;

class Lifecycle : public ::testing::TestWithParam<Backend> {
protected:
    void SetUp() override {
        server = std::make_unique<TestServer>(GetParam());
        admin = std::make_unique<ApiClient>(server->admin());
        team = server->default_team(*admin);
        auto shop = licensed_project_on_cluster(*admin, team);
        cluster_id = shop.cluster_id;
        token = shop.agent_token;
        project_id = shop.project_id;
        project = shop.project_path;
        app = make_app("web");
    }
    std::string make_app(const std::string& name) {
        auto a = admin->post(project + "/apps", json::object{{"name", name}, {"git", {{"url", "https://example.test/" + name + ".git"}}}});
        EXPECT_EQ(a.status, 201) << a.body;
        return project + "/apps/" + std::string(a.json().at("id").as_string());
    }
    std::string app_id() const { return app.substr(app.rfind('/') + 1); }

    // Starts a build and reports it Completed with `image` (twice when `redeliver`).
    std::string complete_build(FakeAgent& agent, const std::string& image, bool redeliver = false) {
        auto b = admin->post(app + "/builds", json::object{});
        EXPECT_EQ(b.status, 201) << b.body;
        std::string id(b.json().at("id").as_string());
        sb::agent::ObjectRef ref{"AppBuild", "shop", "build-" + id};
        json::object status{{"phase", "Completed"}, {"image", image}, {"digest", "sha256:" + std::string(64, 'a')},
                            {"commit", "0123456789abcdef0123"}, {"startTime", "2026-12-03T10:00:00Z"},
                            {"completionTime", "2026-12-03T10:01:00Z"}};
        agent.send({"", sb::agent::Status{ref, "1", 1, status, false}});
        if (redeliver) agent.send({"", sb::agent::Status{ref, "1", 1, status, false}});
        wait_for([&] { return admin->get(app + "/builds/" + id).json().at("status").at("phase") == "Completed"; });
        return id;
    }
    void wait_for(const std::function<bool()>& ok) {
        for (int i = 0; i < 250; ++i) {
            if (ok()) return;
            std::this_thread::sleep_for(20ms);
        }
        ADD_FAILURE() << "condition not reached";
    }
    json::array releases() { return expect_status(admin->get(app + "/releases"), 200).at("items").as_array(); }

    std::unique_ptr<TestServer> server;
    std::unique_ptr<ApiClient> admin;
    std::string team, cluster_id, token, project_id, project, app;
};

// The next object of `kind` (named `name`, when given) the server applies
// that satisfies `ok`; other messages are skipped.
std::optional<json::object> next_object(FakeAgent& agent, const std::string& kind, const std::string& name = "",
                                        const std::function<bool(const json::object&)>& ok = {}) {
    while (auto m = agent.receive(10s)) {
        auto* apply = std::get_if<sb::agent::Apply>(&m->body);
        if (!apply || sb::get_string(apply->object, "kind") != kind) continue;
        if (!name.empty() && sb::get_string(apply->object, "metadata.name") != name) continue;
        if (ok && !ok(apply->object)) continue;
        return apply->object;
    }
    return std::nullopt;
}

TEST_P(Lifecycle, ScaleIsValidatedShownAndReachesTheAppObject) {
    FakeAgent agent(server->port(), token);
    agent.handshake();
    ASSERT_TRUE(next_object(agent, "App"));
    auto shown = expect_status(admin->get(app), 200);
    EXPECT_EQ(shown.at("replicas").as_int64(), 1);
    EXPECT_EQ(shown.at("stopped").as_bool(), false);
    EXPECT_TRUE(shown.at("autoscaling").is_null());
    EXPECT_TRUE(shown.at("release").is_null());
    EXPECT_TRUE(shown.at("status").at("currentImage").is_null());

    auto scaled = admin->post(app + "/scale", json::parse(R"({"replicas":3,
        "resources":{"requests":{"cpu":"100m","memory":"128Mi"},"limits":{"cpu":"500m","memory":"256Mi"}},
        "autoscaling":{"minReplicas":2,"maxReplicas":6,"targetCPUUtilizationPercentage":70}})"));
    auto body = expect_status(scaled, 200);
    EXPECT_EQ(body.at("replicas").as_int64(), 3);
    EXPECT_EQ(body.at("autoscaling").at("maxReplicas").as_int64(), 6);
    EXPECT_EQ(body.at("resources").at("limits").at("memory").as_string(), "256Mi");
    EXPECT_EQ(body.at("release").as_int64(), 1);
    auto object = next_object(agent, "App");
    ASSERT_TRUE(object);
    EXPECT_EQ(sb::get_int(*object, "spec.replicas"), 3);
    EXPECT_EQ(sb::get_int(*object, "spec.autoscaling.minReplicas"), 2);
    EXPECT_EQ(sb::get_int(*object, "spec.autoscaling.maxReplicas"), 6);
    EXPECT_EQ(sb::get_int(*object, "spec.autoscaling.targetCPUUtilizationPercentage"), 70);
    EXPECT_EQ(sb::get_string(*object, "spec.resources.requests.cpu"), "100m");
    EXPECT_EQ(sb::get_string(*object, "spec.resources.limits.memory"), "256Mi");
    auto release = releases().at(0);
    EXPECT_EQ(release.at("kind").as_string(), "scale");
    EXPECT_NE(release.at("description").as_string().find("replicas 1 → 3"), std::string::npos) << release;
    EXPECT_EQ(release.at("actor").as_string(), kAdminEmail);

    // Autoscaling off again: the App loses it, the replicas stay.
    expect_status(admin->post(app + "/scale", json::parse(R"({"autoscaling":null})")), 200);
    object = next_object(agent, "App");
    ASSERT_TRUE(object);
    EXPECT_FALSE(object->at("spec").as_object().contains("autoscaling"));
    EXPECT_EQ(sb::get_int(*object, "spec.replicas"), 3);

    // Bad input: 400 naming the field, nothing changes.
    for (auto [body_text, field] : std::vector<std::pair<std::string, std::string>>{
             {R"({"replicas":-1})", "replicas"},
             {R"({"resources":{"limits":{"memory":"1 GB"}}})", "resources.limits.memory"},
             {R"({"resources":{"requests":{"cpu":"2"},"limits":{"cpu":"1"}}})", "resources.requests.cpu"},
             {R"({"autoscaling":{"minReplicas":5,"maxReplicas":2,"targetCPUUtilizationPercentage":50}})", "autoscaling.minReplicas"},
             {R"({"autoscaling":{"maxReplicas":2}})", "autoscaling"},
             {R"({})", "replicas"},
             {R"({"replica":2})", "replica"}}) {
        auto r = admin->request("POST", app + "/scale", body_text);
        EXPECT_EQ(r.status, 400) << body_text << " " << r.body;
        EXPECT_EQ(r.error_field(), field) << body_text << " " << r.body;
    }
    EXPECT_EQ(releases().size(), 2u);
}

TEST_P(Lifecycle, TheProjectQuotaReachesTheClusterAndRefusesScalingBeyondIt) {
    auto bad = admin->patch(project, json::parse(R"({"quota":{"memory":"2 gigs"}})"));
    EXPECT_EQ(bad.status, 400);
    EXPECT_EQ(bad.error_field(), "quota.memory");
    auto p = expect_status(admin->patch(project, json::parse(R"({"quota":{"cpu":"4","memory":"2Gi","pods":8}})")), 200);
    EXPECT_EQ(p.at("quota").at("memory").as_string(), "2Gi");
    EXPECT_EQ(p.at("quota").at("pods").as_int64(), 8);
    FakeAgent agent(server->port(), token);
    agent.handshake();
    auto project_object = next_object(agent, "Project");
    ASSERT_TRUE(project_object);
    EXPECT_EQ(sb::get_string(*project_object, "spec.quota.memory"), "2Gi");
    EXPECT_EQ(sb::get_string(*project_object, "spec.quota.cpu"), "4");
    EXPECT_EQ(sb::get_int(*project_object, "spec.quota.pods"), 8);

    auto other = make_app("api");
    expect_status(admin->post(other + "/scale", json::parse(R"({"replicas":2,"resources":{"limits":{"memory":"512Mi"}}})")), 200);
    auto refused = admin->post(app + "/scale", json::parse(R"({"replicas":6,"resources":{"limits":{"memory":"512Mi"}}})"));
    EXPECT_EQ(refused.status, 422) << refused.body;
    EXPECT_EQ(refused.error_code(), "quota_exceeded");
    EXPECT_EQ(refused.error_field(), "replicas");
    EXPECT_EQ(refused.json().at("error").at("message").as_string(),
              "replicas: 6 × 512Mi = 3Gi exceeds the project's memory quota 2Gi (other apps use 1Gi)");
    EXPECT_EQ(expect_status(admin->get(app), 200).at("replicas").as_int64(), 1);
    // Within it: allowed; then raising only the limit is blamed on the limit.
    expect_status(admin->post(app + "/scale", json::parse(R"({"replicas":2,"resources":{"limits":{"memory":"512Mi"}}})")), 200);
    auto limit = admin->post(app + "/scale", json::parse(R"({"resources":{"limits":{"memory":"1Gi"}}})"));
    EXPECT_EQ(limit.status, 422) << limit.body;
    EXPECT_EQ(limit.error_field(), "resources.limits.memory");
    // Autoscaling counts maxReplicas, and pods count too.
    auto hpa = admin->post(app + "/scale", json::parse(R"({"autoscaling":{"maxReplicas":7,"targetCPUUtilizationPercentage":60}})"));
    EXPECT_EQ(hpa.status, 422) << hpa.body;
    EXPECT_EQ(hpa.error_field(), "autoscaling.maxReplicas");
    // A stopped app uses nothing; starting it again is checked.
    expect_status(admin->post(app + "/stop", json::object{}), 200);
    expect_status(admin->post(other + "/scale", json::parse(R"({"replicas":4})")), 200);
    auto start = admin->post(app + "/start", json::object{});
    EXPECT_EQ(start.status, 422) << start.body;
    EXPECT_EQ(start.error_field(), "replicas");
    // The quota removed: anything goes.
    expect_status(admin->patch(project, json::parse(R"({"quota":null})")), 200);
    expect_status(admin->post(app + "/start", json::object{}), 200);
    EXPECT_EQ(expect_status(admin->get(project), 200).at("quota").as_object().size(), 0u);
}

TEST_P(Lifecycle, StopStartAndRestartReachTheAppObject) {
    expect_status(admin->post(app + "/scale", json::parse(R"({"replicas":4})")), 200);
    FakeAgent agent(server->port(), token);
    agent.handshake();
    ASSERT_TRUE(next_object(agent, "App"));
    auto stopped = expect_status(admin->post(app + "/stop", json::object{}), 200);
    EXPECT_TRUE(stopped.at("stopped").as_bool());
    EXPECT_EQ(stopped.at("replicas").as_int64(), 4);  // remembered for the start
    auto object = next_object(agent, "App");
    ASSERT_TRUE(object);
    EXPECT_EQ(sb::get_bool(*object, "spec.stopped"), true);
    EXPECT_EQ(sb::get_int(*object, "spec.replicas"), 4);
    auto started = expect_status(admin->post(app + "/start", json::object{}), 200);
    EXPECT_FALSE(started.at("stopped").as_bool());
    object = next_object(agent, "App");
    ASSERT_TRUE(object);
    EXPECT_EQ(sb::get_bool(*object, "spec.stopped"), false);

    auto first = expect_status(admin->post(app + "/restart", json::object{}), 200);
    ASSERT_TRUE(first.at("restartedAt").is_string());
    object = next_object(agent, "App");
    ASSERT_TRUE(object);
    EXPECT_EQ(sb::get_string(*object, "spec.restartedAt"), first.at("restartedAt").as_string());
    auto second = expect_status(admin->post(app + "/restart", json::object{}), 200);
    EXPECT_NE(second.at("restartedAt"), first.at("restartedAt"));  // microseconds: each restart is a change
    object = next_object(agent, "App");
    ASSERT_TRUE(object);
    EXPECT_EQ(sb::get_string(*object, "spec.restartedAt"), second.at("restartedAt").as_string());
    // None of these is a release; a viewer may not do them.
    EXPECT_EQ(releases().size(), 1u);  // the scale
    auto audit = admin->get("/api/v1/teams/" + team + "/audit").body;
    for (auto action : {"app.stop", "app.start", "app.restart", "app.scale"}) EXPECT_NE(audit.find(action), std::string::npos) << action;
}

TEST_P(Lifecycle, ReleasesAreNumberedAndABuildMakesOneHoweverOftenItsCompletionArrives) {
    WsClient events(server->port(), "/api/v1/teams/" + team + "/events", admin->bearer);
    events.send(json::serialize(json::object{{"type", "subscribe"}, {"topic", "app:" + app_id()}}));
    ASSERT_TRUE(events.read());
    FakeAgent agent(server->port(), token);
    agent.handshake();
    auto build = complete_build(agent, "registry.local/shop/web:b1", true);
    // The event of the build's release.
    bool saw = false;
    while (auto m = events.read(5s)) {
        auto v = json::parse(*m);
        if (v.at("kind") == "release.created") {
            EXPECT_EQ(v.at("data").at("number").as_int64(), 1);
            saw = true;
            break;
        }
    }
    EXPECT_TRUE(saw);
    std::this_thread::sleep_for(200ms);  // the redelivered Completed has been handled too
    auto list = releases();
    ASSERT_EQ(list.size(), 1u);
    EXPECT_EQ(list[0].at("kind").as_string(), "build");
    EXPECT_EQ(list[0].at("image").as_string(), "registry.local/shop/web:b1");
    EXPECT_EQ(list[0].at("digest").as_string(), "sha256:" + std::string(64, 'a'));
    EXPECT_EQ(list[0].at("buildId").as_string(), build);
    EXPECT_EQ(list[0].at("actor").as_string(), "system");
    // A later report of the finished build adds none either.
    sb::agent::ObjectRef ref{"AppBuild", "shop", "build-" + build};
    agent.send({"", sb::agent::Status{ref, "2", 1, {{"phase", "Completed"}, {"image", "registry.local/shop/web:b1"}}, false}});

    // An env change: release 2, same image, the env's names in its config.
    expect_status(admin->put(app + "/env", json::object{{"env", {{"GREETING", "hello-value-1"}}}}), 200);
    list = releases();
    ASSERT_EQ(list.size(), 2u);
    EXPECT_EQ(list[0].at("number").as_int64(), 2);
    EXPECT_EQ(list[0].at("kind").as_string(), "env");
    EXPECT_EQ(list[0].at("image").as_string(), "registry.local/shop/web:b1");
    EXPECT_EQ(list[0].at("description").as_string(), "env + GREETING");
    EXPECT_EQ(list[0].at("config").at("envKeys").at(0).as_string(), "GREETING");
    // A value change alone is a release too; a display name is not.
    expect_status(admin->put(app + "/env", json::object{{"env", {{"GREETING", "hello-value-2"}}}}), 200);
    expect_status(admin->patch(app, json::object{{"displayName", "Web shop"}}), 200);
    expect_status(admin->patch(app, json::object{{"domains", json::array{"web.example.test"}}}), 200);
    list = releases();
    ASSERT_EQ(list.size(), 4u);
    EXPECT_EQ(list[1].at("description").as_string(), "env values changed");
    EXPECT_EQ(list[0].at("kind").as_string(), "domains");
    EXPECT_EQ(list[0].at("description").as_string(), "domains + web.example.test");
    EXPECT_EQ(expect_status(admin->get(app), 200).at("release").as_int64(), 4);
    // The sealed secrets are kept, never the values.
    for (const auto& row : server->storage().raw_query("SELECT secrets, config FROM releases")) {
        EXPECT_EQ(row[0].find("hello-value"), std::string::npos);
        EXPECT_TRUE(row[0].starts_with("v1:")) << row[0];
        EXPECT_EQ(row[1].find("hello-value"), std::string::npos);
    }
    // Pages, newest first, and one release by number.
    auto page = expect_status(admin->get(app + "/releases?limit=3"), 200);
    ASSERT_EQ(page.at("items").as_array().size(), 3u);
    EXPECT_EQ(page.at("nextCursor").as_string(), "2");
    auto rest = expect_status(admin->get(app + "/releases?limit=3&after=2"), 200);
    ASSERT_EQ(rest.at("items").as_array().size(), 1u);
    EXPECT_EQ(rest.at("items").at(0).at("number").as_int64(), 1);
    EXPECT_TRUE(rest.at("nextCursor").is_null());
    EXPECT_EQ(expect_status(admin->get(app + "/releases/v2"), 200).at("kind").as_string(), "env");
    EXPECT_EQ(admin->get(app + "/releases/9").status, 404);
    EXPECT_EQ(admin->get(app + "/releases/x").error_field(), "release");
}

TEST_P(Lifecycle, RollbackRestoresImageAndConfigTogether) {
    FakeAgent agent(server->port(), token);
    agent.handshake();
    complete_build(agent, "registry.local/shop/web:old");                                              // v1
    expect_status(admin->put(app + "/env", json::object{{"env", {{"MODE", "old-mode"}}}}), 200);       // v2
    expect_status(admin->post(app + "/scale", json::parse(R"({"replicas":3})")), 200);                  // v3
    complete_build(agent, "registry.local/shop/web:new");                                              // v4
    expect_status(admin->put(app + "/env", json::object{{"env", {{"MODE", "new-mode"}, {"EXTRA", "1"}}}}), 200);  // v5
    ASSERT_EQ(releases().size(), 5u);

    auto rolled = expect_status(admin->post(app + "/rollback", json::object{{"release", 2}}), 200);
    EXPECT_EQ(rolled.at("release").as_int64(), 6);
    EXPECT_EQ(rolled.at("replicas").as_int64(), 1);  // as in v2
    EXPECT_EQ(json::serialize(rolled.at("envKeys")), R"(["MODE"])");
    auto env = expect_status(admin->get(app + "/env"), 200);
    EXPECT_EQ(json::serialize(env.at("env")), R"({"MODE":"old-mode"})");
    auto v6 = releases().at(0);
    EXPECT_EQ(v6.at("kind").as_string(), "rollback");
    EXPECT_EQ(v6.at("description").as_string(), "rollback to v2");
    EXPECT_EQ(v6.at("image").as_string(), "registry.local/shop/web:old");
    ASSERT_TRUE(v6.at("buildId").is_string());
    std::string build_id(v6.at("buildId").as_string());
    // The cluster gets the old config in the App and an AppBuild deploying the old image.
    std::optional<json::object> object, deploy;
    while (!(object && deploy)) {
        auto m = agent.receive(10s);
        ASSERT_TRUE(m) << "App " << object.has_value() << " AppBuild " << deploy.has_value();
        auto* apply = std::get_if<sb::agent::Apply>(&m->body);
        if (!apply) continue;
        if (sb::get_string(apply->object, "kind") == "App" && sb::get_int(apply->object, "spec.replicas") == 1) object = apply->object;
        if (sb::get_string(apply->object, "metadata.name") == "build-" + build_id) deploy = apply->object;
    }
    const auto* env_refs = sb::find_array(*object, "spec.env");
    ASSERT_TRUE(env_refs && env_refs->size() == 1) << json::serialize(*object);
    EXPECT_EQ(env_refs->at(0).at("name").as_string(), "MODE");
    EXPECT_EQ(sb::get_string(*deploy, "kind"), "AppBuild");
    EXPECT_EQ(sb::get_string(*deploy, "spec.image"), "registry.local/shop/web:old");
    EXPECT_EQ(sb::get_string(*deploy, "spec.appName"), "web");
    EXPECT_FALSE(deploy->at("spec").as_object().contains("imageTag"));
    // Its completion is the rollback's release, not another one.
    sb::agent::ObjectRef ref{"AppBuild", "shop", "build-" + build_id};
    agent.send({"", sb::agent::Status{ref, "1", 1, {{"phase", "Completed"}, {"image", "registry.local/shop/web:old"}}, false}});
    wait_for([&] { return admin->get(app + "/builds/" + build_id).json().at("status").at("phase") == "Completed"; });
    EXPECT_EQ(releases().size(), 6u);

    // Without a number: the release before the current one (v5: new image, new env, 3 replicas).
    auto back = expect_status(admin->post(app + "/rollback", json::object{}), 200);
    EXPECT_EQ(back.at("replicas").as_int64(), 3);
    EXPECT_EQ(json::serialize(expect_status(admin->get(app + "/env"), 200).at("env")), R"({"MODE":"new-mode","EXTRA":"1"})");
    EXPECT_EQ(releases().at(0).at("image").as_string(), "registry.local/shop/web:new");
    EXPECT_EQ(releases().at(0).at("description").as_string(), "rollback to v5");

    // Refusals.
    auto missing = admin->post(app + "/rollback", json::object{{"release", 99}});
    EXPECT_EQ(missing.status, 422);
    EXPECT_EQ(missing.error_field(), "release");
    auto bad = admin->post(app + "/rollback", json::object{{"release", "two"}});
    EXPECT_EQ(bad.status, 400);
    EXPECT_EQ(bad.error_field(), "release");
    auto fresh = make_app("fresh");
    auto none = admin->post(fresh + "/rollback", json::object{});
    EXPECT_EQ(none.status, 409) << none.body;
    expect_status(admin->put(fresh + "/env", json::object{{"env", {{"A", "1"}}}}), 200);
    expect_status(admin->put(fresh + "/env", json::object{{"env", {{"A", "2"}}}}), 200);
    auto imageless = admin->post(fresh + "/rollback", json::object{});
    EXPECT_EQ(imageless.status, 422) << imageless.body;
    EXPECT_EQ(imageless.error_code(), "release_without_image");
    EXPECT_EQ(imageless.error_field(), "release");
}

TEST_P(Lifecycle, DomainsShowWhatTheOperatorReports) {
    auto added = admin->post(app + "/domains", json::object{{"host", "Shop.Example.test"}});
    EXPECT_EQ(added.status, 201) << added.body;
    EXPECT_EQ(json::serialize(added.json().at("domains")), R"(["shop.example.test"])");
    auto list = expect_status(admin->get(app + "/domains"), 200);
    ASSERT_EQ(list.at("items").as_array().size(), 1u);
    EXPECT_EQ(list.at("items").at(0).at("certificate").as_string(), "pending");
    EXPECT_FALSE(list.at("items").at(0).at("reported").as_bool());
    EXPECT_TRUE(list.at("default").is_null());
    // Refusals: a bad host, one this app has, one another app of the team has.
    EXPECT_EQ(admin->post(app + "/domains", json::object{{"host", "bad host"}}).error_field(), "host");
    EXPECT_EQ(admin->post(app + "/domains", json::object{{"host", "shop.example.test"}}).status, 409);
    auto other = make_app("api");
    auto taken = admin->post(other + "/domains", json::object{{"host", "shop.example.test"}});
    EXPECT_EQ(taken.status, 409);
    EXPECT_EQ(taken.error_field(), "host");
    EXPECT_NE(taken.json().at("error").at("message").as_string().find("web"), std::string::npos) << taken.body;
    auto patched = admin->patch(other, json::object{{"domains", json::array{"api.example.test", "shop.example.test"}}});
    EXPECT_EQ(patched.status, 409);
    EXPECT_EQ(patched.error_field(), "domains[1]");

    FakeAgent agent(server->port(), token);
    agent.handshake();
    auto object = next_object(agent, "App", "web");
    ASSERT_TRUE(object);
    EXPECT_EQ(json::serialize(object->at("spec").at("domains")), R"(["shop.example.test"])");
    // The operator reports the Ingress address and each host's certificate.
    json::object status{{"phase", "Running"},
                        {"currentImage", "registry.local/shop/web:b1"},
                        {"previousImage", "registry.local/shop/web:b0"},
                        {"url", "https://web-shop.apps.example.test"},
                        {"replicas", 2},
                        {"dnsTarget", "203.0.113.7"},
                        {"domains", json::array{json::object{{"host", "web-shop.apps.example.test"}, {"default", true}, {"certificate", "Issued"}},
                                                json::object{{"host", "shop.example.test"}, {"certificate", "Failed"},
                                                             {"reason", "ACME: DNS problem: NXDOMAIN"}}}}};
    agent.send({"", sb::agent::Status{{"App", "shop", "web"}, "5", 1, status, false}});
    wait_for([&] { return admin->get(app + "/domains").json().at("dnsTarget") == "203.0.113.7"; });
    list = expect_status(admin->get(app + "/domains"), 200);
    const auto& d = list.at("items").at(0);
    EXPECT_EQ(d.at("host").as_string(), "shop.example.test");
    EXPECT_EQ(d.at("certificate").as_string(), "failed");
    EXPECT_EQ(d.at("reason").as_string(), "ACME: DNS problem: NXDOMAIN");
    EXPECT_EQ(d.at("dnsTarget").as_string(), "203.0.113.7");
    EXPECT_EQ(list.at("default").at("host").as_string(), "web-shop.apps.example.test");
    EXPECT_EQ(list.at("default").at("certificate").as_string(), "issued");
    auto shown = expect_status(admin->get(app), 200).at("status");
    EXPECT_EQ(shown.at("currentImage").as_string(), "registry.local/shop/web:b1");
    EXPECT_EQ(shown.at("previousImage").as_string(), "registry.local/shop/web:b0");
    EXPECT_EQ(shown.at("url").as_string(), "https://web-shop.apps.example.test");
    EXPECT_EQ(shown.at("dnsTarget").as_string(), "203.0.113.7");
    EXPECT_EQ(shown.at("readyReplicas").as_int64(), 2);
    EXPECT_EQ(shown.at("domains").as_array().size(), 2u);

    // Removing: 204, the App loses it, a second time 404.
    EXPECT_EQ(admin->del(app + "/domains/shop.example.test").status, 204);
    object = next_object(agent, "App", "web");
    ASSERT_TRUE(object);
    EXPECT_FALSE(object->at("spec").as_object().contains("domains"));
    EXPECT_EQ(admin->del(app + "/domains/shop.example.test").status, 404);
    // Now the other app may have it.
    EXPECT_EQ(admin->post(other + "/domains", json::object{{"host", "shop.example.test"}}).status, 201);
    auto kinds = releases();
    ASSERT_EQ(kinds.size(), 2u);
    EXPECT_EQ(kinds[0].at("description").as_string(), "domains − shop.example.test");
}

TEST_P(Lifecycle, TheOpenApiDocumentTypesTheLifecycleRoutes) {
    auto doc = expect_status(server->anonymous().get("/api/v1/openapi.json"), 200);
    const auto& paths = doc.at("paths");
    const std::string base = "/api/v1/teams/{team}/projects/{project}/apps/{app}";
    const auto& scale = paths.at(base + "/scale").at("post");
    EXPECT_TRUE(scale.at("requestBody").at("content").at("application/json").at("schema").at("properties").as_object().contains("autoscaling"));
    EXPECT_TRUE(scale.at("responses").at("200").at("content").at("application/json").at("schema").at("properties").as_object().contains("replicas"));
    EXPECT_EQ(scale.at("x-required-role").as_string(), "developer");
    const auto& rollback = paths.at(base + "/rollback").at("post");
    EXPECT_TRUE(rollback.at("requestBody").at("content").at("application/json").at("schema").at("properties").as_object().contains("release"));
    const auto& list = paths.at(base + "/releases").at("get");
    EXPECT_TRUE(list.at("responses").at("200").at("content").at("application/json").at("schema").at("properties").as_object().contains("items"));
    EXPECT_TRUE(paths.at(base + "/domains/{host}").as_object().contains("delete"));
}

INSTANTIATE_TEST_SUITE_P(Backends, Lifecycle, ::testing::Values(Backend::sqlite, Backend::postgres),
                         [](const auto& info) { return backend_name(info.param); });

}  // namespace
}  // namespace sb::server::testing
