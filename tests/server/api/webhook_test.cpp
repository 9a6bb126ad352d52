// Git webhooks through the real server, on SQLite and PostgreSQL: signed
// deliveries built from each forge's documented format (tests/server/webhooks/testdata).
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "tests/server/server_fixture.hpp"
#include "tests/server/webhooks/webhook_testdata.hpp"

namespace sb::server::testing {
namespace {
namespace json = boost::json;
using webhooks::Forge;
using webhooks::testing::forge_headers;
using webhooks::testing::payload_file;
using webhooks::testing::pushed_commit;
using webhooks::testing::read_testdata;

const std::vector<Forge> kForges = {Forge::github, Forge::gitlab, Forge::gitea, Forge::forgejo, Forge::bitbucket};

// The repository each payload file pushes to.
std::string repository_of(Forge forge) {
    switch (forge) {
        case Forge::github: return "https://github.com/octo-org/hello-app.git";
        case Forge::gitlab: return "https://gitlab.example.com/mike/hello-app.git";
        case Forge::gitea:
        case Forge::forgejo: return "https://gitea.example.com/alice/hello-app.git";
        case Forge::bitbucket: return "https://bitbucket.org/acme/hello-app.git";
    }
    return "";
}

std::string edited(const std::string& body, const std::function<void(json::object&)>& edit) {
    auto v = json::parse(body);
    edit(v.as_object());
    return json::serialize(v);
}

class WebhookApiTest : public ::testing::TestWithParam<Backend> {
protected:
    void SetUp() override {
        server = std::make_unique<TestServer>(GetParam());
        admin = std::make_unique<ApiClient>(server->admin());
        team = server->default_team(*admin);
        std::string t = "/api/v1/teams/" + team;
        auto cluster = expect_status(admin->post(t + "/clusters", json::object{{"name", "c1"}}), 201);
        auto project = expect_status(
            admin->post(t + "/projects", json::object{{"name", "web"}, {"clusterId", cluster.at("id")}}), 201);
        project_path = t + "/projects/" + std::string(project.at("id").as_string());
    }

    // An app building `repository`'s main branch; returns its path.
    std::string create_app(const std::string& name, const std::string& repository, const std::string& branch = "main") {
        auto app = expect_status(admin->post(project_path + "/apps",
                                             json::object{{"name", name}, {"git", {{"url", repository}, {"branch", branch}}}}),
                                 201);
        return project_path + "/apps/" + std::string(app.at("id").as_string());
    }

    struct Hook {
        std::string path;  // /api/v1/hooks/<id>
        std::string secret;
    };
    Hook create_hook(const std::string& app, int status = 201) {
        auto r = expect_status(admin->post(app + "/webhook", json::object{}), status);
        std::string url(r.at("url").as_string());
        auto at = url.find("/api/v1/hooks/");
        EXPECT_NE(at, std::string::npos) << url;
        return {url.substr(at), std::string(r.at("secret").as_string())};
    }

    HttpResult deliver(const Hook& hook, Forge forge, const std::string& body, const std::string& delivery,
                       const std::string& event = "", const std::string& secret = "") const {
        auto headers = forge_headers(forge, body, secret.empty() ? hook.secret : secret, delivery, event);
        return server->anonymous().request("POST", hook.path, body, headers);
    }

    json::array builds(const std::string& app) const { return expect_status(admin->get(app + "/builds"), 200).at("items").as_array(); }

    std::unique_ptr<TestServer> server;
    std::unique_ptr<ApiClient> admin;
    std::string team, project_path;
};

TEST_P(WebhookApiTest, APushFromEachForgeBuildsExactlyThePushedCommitOnce) {
    for (auto forge : kForges) {
        std::string name(webhooks::forge_name(forge));
        SCOPED_TRACE(name);
        auto app = create_app("app-" + name, repository_of(forge));
        auto hook = create_hook(app);
        auto body = read_testdata(payload_file(forge));

        auto started = deliver(hook, forge, body, "delivery-1-" + name);
        ASSERT_EQ(started.status, 201) << started.body;
        auto answer = started.json();
        EXPECT_EQ(answer.at("result").as_string(), "started");
        EXPECT_EQ(answer.at("commit").as_string(), pushed_commit(forge));
        std::string build_id(answer.at("buildId").as_string());
        auto build = expect_status(admin->get(app + "/builds/" + build_id), 200);
        EXPECT_EQ(build.at("gitRef").as_string(), pushed_commit(forge));
        EXPECT_EQ(build.at("trigger").as_string(), "webhook (" + name + ")");
        EXPECT_EQ(build.at("status").at("phase").as_string(), "Pending");

        // The forge retries the same delivery: nothing new.
        auto replay = deliver(hook, forge, body, "delivery-1-" + name);
        ASSERT_EQ(replay.status, 200) << replay.body;
        EXPECT_EQ(replay.json().at("result").as_string(), "duplicate");
        EXPECT_EQ(replay.json().at("buildId").as_string(), build_id);
        EXPECT_NE(replay.json().at("message").as_string().find("already handled"), std::string::npos);
        // Another delivery (a manual "redeliver", a second hook) of the same commit: nothing new either.
        auto again = deliver(hook, forge, body, "delivery-2-" + name);
        ASSERT_EQ(again.status, 200) << again.body;
        EXPECT_EQ(again.json().at("result").as_string(), "duplicate");
        EXPECT_NE(again.json().at("message").as_string().find("build " + build_id), std::string::npos) << again.body;
        EXPECT_EQ(builds(app).size(), 1u);

        auto shown = expect_status(admin->get(app + "/webhook"), 200);
        EXPECT_EQ(shown.at("branch").as_string(), "main");
        EXPECT_FALSE(shown.as_object().contains("secret"));
        const auto& deliveries = shown.at("lastDeliveries").as_array();
        ASSERT_EQ(deliveries.size(), 3u);
        EXPECT_EQ(deliveries[2].at("result").as_string(), "started");
        EXPECT_EQ(deliveries[2].at("buildId").as_string(), build_id);
        EXPECT_EQ(deliveries[2].at("forge").as_string(), name);
        EXPECT_EQ(deliveries[0].at("result").as_string(), "duplicate");
    }
}

TEST_P(WebhookApiTest, AWebhookBuildIsAuditedAndAnnouncedOnTheAppTopic) {
    auto app = create_app("audited", repository_of(Forge::github));
    auto hook = create_hook(app);
    std::string app_id = app.substr(app.rfind('/') + 1);
    WsClient ws(server->port(), "/api/v1/teams/" + team + "/events", admin->bearer);
    ws.send(json::serialize(json::object{{"type", "subscribe"}, {"topic", "app:" + app_id}}));
    ASSERT_TRUE(ws.read().has_value());
    auto started = deliver(hook, Forge::github, read_testdata("github_push.json"), "d-audit");
    ASSERT_EQ(started.status, 201) << started.body;
    std::string build_id(started.json().at("buildId").as_string());
    std::set<std::string> kinds;
    for (int i = 0; i < 2; ++i) {
        auto msg = ws.read();
        ASSERT_TRUE(msg.has_value());
        auto v = json::parse(*msg);
        kinds.insert(std::string(v.at("kind").as_string()));
        if (v.at("kind") == "webhook.build_started") {
            EXPECT_EQ(v.at("data").at("buildId").as_string(), build_id);
            EXPECT_EQ(v.at("data").at("forge").as_string(), "github");
            EXPECT_EQ(v.at("data").at("commit").as_string(), pushed_commit(Forge::github));
        }
    }
    EXPECT_EQ(kinds, (std::set<std::string>{"build.created", "webhook.build_started"}));
    auto audit = expect_status(admin->get("/api/v1/teams/" + team + "/audit?limit=200"), 200);
    bool found = false;
    for (const auto& e : audit.at("items").as_array())
        if (e.at("targetId").as_string() == build_id) {
            found = true;
            EXPECT_EQ(e.at("action").as_string(), "build.create.github_webhook");
            EXPECT_TRUE(e.at("actorId").is_null());
        }
    EXPECT_TRUE(found) << json::serialize(audit);
}

TEST_P(WebhookApiTest, OtherBranchesTagsDeletionsAndPingsStartNothing) {
    auto app = create_app("tracked", repository_of(Forge::github));
    auto hook = create_hook(app);
    auto body = read_testdata("github_push.json");

    auto ping = deliver(hook, Forge::github, R"({"zen":"Keep it logically awesome.","hook_id":1})", "d-ping", "ping");
    ASSERT_EQ(ping.status, 200) << ping.body;
    EXPECT_EQ(ping.json().at("result").as_string(), "ignored");

    auto dev = deliver(hook, Forge::github, edited(body, [](json::object& o) { o["ref"] = "refs/heads/dev"; }), "d-dev");
    ASSERT_EQ(dev.status, 202) << dev.body;
    EXPECT_EQ(dev.json().at("result").as_string(), "ignored");
    EXPECT_EQ(dev.json().at("message").as_string(), "ignored: push to refs/heads/dev, the app tracks main");

    auto tag = deliver(hook, Forge::github, edited(body, [](json::object& o) { o["ref"] = "refs/tags/v1.0.0"; }), "d-tag");
    ASSERT_EQ(tag.status, 202) << tag.body;
    EXPECT_NE(tag.json().at("message").as_string().find("(a tag)"), std::string::npos);

    auto deleted = deliver(hook, Forge::github, edited(body, [](json::object& o) {
                               o["after"] = std::string(40, '0');
                               o["deleted"] = true;
                           }),
                           "d-del");
    ASSERT_EQ(deleted.status, 202) << deleted.body;
    EXPECT_EQ(deleted.json().at("message").as_string(), "ignored: the push deleted refs/heads/main");

    auto fork = deliver(hook, Forge::github, edited(body, [](json::object& o) {
                            auto& repo = o["repository"].as_object();
                            repo["clone_url"] = "https://github.com/someone/fork.git";
                            repo["html_url"] = "https://github.com/someone/fork";
                            repo["ssh_url"] = "git@github.com:someone/fork.git";
                        }),
                        "d-fork");
    ASSERT_EQ(fork.status, 202) << fork.body;
    EXPECT_NE(fork.json().at("message").as_string().find("the app builds"), std::string::npos) << fork.body;

    auto gitlab_hook_app = create_app("gl-tracked", repository_of(Forge::gitlab), "release");
    auto gl = create_hook(gitlab_hook_app);
    auto other = deliver(gl, Forge::gitlab, read_testdata("gitlab_push.json"), "d-gl");
    ASSERT_EQ(other.status, 202) << other.body;
    EXPECT_EQ(other.json().at("message").as_string(), "ignored: push to refs/heads/main, the app tracks release");

    auto mr = deliver(gl, Forge::gitlab, R"({"object_kind":"merge_request"})", "d-mr", "Merge Request Hook");
    ASSERT_EQ(mr.status, 202) << mr.body;
    EXPECT_EQ(builds(app).size(), 0u);
    EXPECT_EQ(builds(gitlab_hook_app).size(), 0u);
    // An ignored push of the tracked branch later (another delivery) still builds.
    auto real = deliver(hook, Forge::github, body, "d-real");
    EXPECT_EQ(real.status, 201) << real.body;
}

TEST_P(WebhookApiTest, MissingOrBadSignaturesAreRefusedAndStartNothing) {
    auto app = create_app("signed", repository_of(Forge::github));
    auto hook = create_hook(app);
    for (auto forge : kForges) {
        std::string name(webhooks::forge_name(forge));
        SCOPED_TRACE(name);
        auto body = read_testdata(payload_file(forge));
        auto bad = deliver(hook, forge, body, "bad-" + name, "", "not-the-secret");
        EXPECT_EQ(bad.status, 401) << bad.body;
        EXPECT_EQ(bad.error_code(), "bad_signature");
        auto headers = forge_headers(forge, body, hook.secret, "unsigned-" + name);
        for (auto it = headers.begin(); it != headers.end();)
            it = (it->first.find("Signature") != std::string::npos || it->first == "X-Gitlab-Token") ? headers.erase(it) : std::next(it);
        auto unsigned_ = server->anonymous().request("POST", hook.path, body, headers);
        EXPECT_EQ(unsigned_.status, 401) << unsigned_.body;
        EXPECT_NE(unsigned_.body.find("has no"), std::string::npos) << unsigned_.body;
    }
    auto unknown = server->anonymous().request("POST", hook.path, "{}", {{"Content-Type", "application/json"}});
    EXPECT_EQ(unknown.status, 400) << unknown.body;
    EXPECT_EQ(unknown.error_code(), "unknown_forge");
    EXPECT_EQ(builds(app).size(), 0u);
    // A bad signature does not spend the delivery id: the genuine delivery still builds.
    auto body = read_testdata("github_push.json");
    EXPECT_EQ(deliver(hook, Forge::github, body, "bad-github", "", "forged").status, 401);
    EXPECT_EQ(deliver(hook, Forge::github, body, "bad-github").status, 201);
    auto shown = expect_status(admin->get(app + "/webhook"), 200);
    EXPECT_EQ(shown.at("lastDeliveries").as_array()[1].at("result").as_string(), "rejected");
    EXPECT_EQ(shown.at("lastDeliveries").as_array()[1].at("status").as_int64(), 401);
}

TEST_P(WebhookApiTest, RotatingTheSecretInvalidatesTheOldOne) {
    auto app = create_app("rotated", repository_of(Forge::gitea));
    auto first = create_hook(app);
    auto second = create_hook(app, 200);
    EXPECT_EQ(first.path, second.path);
    EXPECT_NE(first.secret, second.secret);
    auto body = read_testdata("gitea_push.json");
    auto old = deliver(second, Forge::gitea, body, "r-1", "", first.secret);
    EXPECT_EQ(old.status, 401) << old.body;
    auto now = deliver(second, Forge::gitea, body, "r-2");
    EXPECT_EQ(now.status, 201) << now.body;
    // GitLab's token is compared too.
    auto gl_app = create_app("rotated-gl", repository_of(Forge::gitlab));
    auto gl_first = create_hook(gl_app);
    auto gl_second = create_hook(gl_app, 200);
    EXPECT_EQ(deliver(gl_second, Forge::gitlab, read_testdata("gitlab_push.json"), "g-1", "", gl_first.secret).status, 401);
    EXPECT_EQ(deliver(gl_second, Forge::gitlab, read_testdata("gitlab_push.json"), "g-2").status, 201);
}

TEST_P(WebhookApiTest, TheSecretIsSealedAtRest) {
    auto app = create_app("sealed", repository_of(Forge::github));
    auto hook = create_hook(app);
    auto rows = server->storage().raw_query("SELECT secret FROM app_webhooks");
    ASSERT_EQ(rows.size(), 1u);
    EXPECT_EQ(rows[0][0].find(hook.secret), std::string::npos);
    EXPECT_TRUE(rows[0][0].starts_with("v1:"));
}

TEST_P(WebhookApiTest, ADeletedWebhookAnswers404) {
    auto app = create_app("deleted", repository_of(Forge::bitbucket));
    auto hook = create_hook(app);
    EXPECT_EQ(admin->del(app + "/webhook").status, 204);
    auto gone = deliver(hook, Forge::bitbucket, read_testdata("bitbucket_push.json"), "x-1");
    EXPECT_EQ(gone.status, 404) << gone.body;
    EXPECT_EQ(gone.error_code(), "webhook_not_found");
    EXPECT_EQ(admin->get(app + "/webhook").status, 404);
    EXPECT_EQ(admin->del(app + "/webhook").status, 404);
    EXPECT_EQ(builds(app).size(), 0u);
    // A new webhook gets a new URL: the old one stays dead.
    auto fresh = create_hook(app);
    EXPECT_NE(fresh.path, hook.path);
    EXPECT_EQ(deliver(hook, Forge::bitbucket, read_testdata("bitbucket_push.json"), "x-2").status, 404);
}

TEST_P(WebhookApiTest, AnotherTeamCannotSeeOrChangeTheWebhook) {
    auto app = create_app("private", repository_of(Forge::github));
    create_hook(app);
    expect_status(admin->put("/api/v1/licence", json::object{{"document", make_licence("multi", 100, 100)}}), 200);
    auto outsider = server->create_user(*admin, "outsider@example.test");
    auto own_team = expect_status(outsider.post("/api/v1/teams", json::object{{"name", "outsiders"}}), 201);
    (void)own_team;
    EXPECT_EQ(outsider.get(app + "/webhook").status, 404);
    EXPECT_EQ(outsider.post(app + "/webhook", json::object{}).status, 404);
    EXPECT_EQ(outsider.del(app + "/webhook").status, 404);
    EXPECT_EQ(server->anonymous().get(app + "/webhook").status, 401);
    EXPECT_EQ(expect_status(admin->get(app + "/webhook"), 200).at("lastDeliveries").as_array().size(), 0u);
}

TEST_P(WebhookApiTest, DeliveriesAreRateLimitedPerWebhook) {
    auto app = create_app("limited", repository_of(Forge::github));
    auto hook = create_hook(app);
    int limited = 0;
    for (int i = 0; i < 125 && limited == 0; ++i) {
        auto r = deliver(hook, Forge::github, R"({"zen":"z"})", "p-" + std::to_string(i), "ping");
        if (r.status == 429) {
            ++limited;
            EXPECT_FALSE(r.header("retry-after").empty());
            EXPECT_EQ(i, 120);
        }
    }
    EXPECT_EQ(limited, 1);
    // Another webhook is not held back.
    auto other = create_hook(create_app("other", repository_of(Forge::github)));
    EXPECT_EQ(deliver(other, Forge::github, R"({"zen":"z"})", "p-x", "ping").status, 200);
}

INSTANTIATE_TEST_SUITE_P(Backends, WebhookApiTest, ::testing::Values(Backend::sqlite, Backend::postgres),
                         [](const auto& info) { return backend_name(info.param); });

}  // namespace
}  // namespace sb::server::testing
