// The API suite, run against SQLite and against a real PostgreSQL.
#include <gtest/gtest.h>

#include <boost/json/serialize.hpp>
#include <set>
#include <sodium.h>

#include "common/base64.hpp"
#include "server/core/crypto.hpp"
#include "server/core/licence.hpp"

#include "server/api/helpers.hpp"
#include "tests/server/server_fixture.hpp"

namespace sb::server::testing {
namespace {
namespace json = boost::json;

class ApiTest : public ::testing::TestWithParam<Backend> {
protected:
    void SetUp() override {
        server = std::make_unique<TestServer>(GetParam());
        admin = std::make_unique<ApiClient>(server->admin());
        team = server->default_team(*admin);
    }
    std::string teams() const { return "/api/v1/teams/" + team; }
    std::string create_project(const std::string& name) {
        auto r = admin->post(teams() + "/projects", json::object{{"name", name}});
        EXPECT_EQ(r.status, 201) << r.body;
        return std::string(r.json().at("id").as_string());
    }
    std::unique_ptr<TestServer> server;
    std::unique_ptr<ApiClient> admin;
    std::string team;
};

TEST_P(ApiTest, HealthReadinessAndMetrics) {
    auto c = server->anonymous();
    EXPECT_EQ(c.get("/healthz").status, 200);
    EXPECT_EQ(c.get("/readyz").status, 200);
    c.get("/api/v1/nothing-here");
    auto metrics = c.get("/metrics");
    EXPECT_EQ(metrics.status, 200);
    EXPECT_NE(metrics.body.find("sb_http_requests_total"), std::string::npos);
    EXPECT_NE(metrics.body.find("process_resident_memory_bytes"), std::string::npos);
}

TEST_P(ApiTest, OpenApiDocumentListsEveryRouteAndNothingElse) {
    auto doc = expect_status(server->anonymous().get("/api/v1/openapi.json"), 200);
    EXPECT_EQ(doc.at("openapi").as_string(), "3.0.3");
    std::set<std::string> documented, declared;
    for (const auto& [path, item] : doc.at("paths").as_object())
        for (const auto& [method, op] : item.as_object()) {
            std::string m(method);
            for (auto& ch : m) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
            documented.insert(m + " " + std::string(path));
            EXPECT_TRUE(op.as_object().contains("x-required-role"));
        }
    const auto router = api::make_router();
    for (const auto& route : router.routes()) declared.insert(route.method + " " + route.pattern);
    EXPECT_EQ(documented, declared);
    // Every documented route answers (no route in the document is a 404 "no such endpoint").
    for (const auto& route : router.routes()) {
        std::string path = route.pattern;
        for (auto open = path.find('{'); open != std::string::npos; open = path.find('{'))
            path.replace(open, path.find('}', open) - open + 1, "0000");
        auto r = server->anonymous().request(route.method, path);
        EXPECT_NE(r.error_code(), "not_found") << route.method << " " << path << " " << r.body;
        EXPECT_NE(r.status, 405) << route.method << " " << path;
    }
}

TEST_P(ApiTest, SessionLoginCookieCsrfAndLogout) {
    auto c = server->anonymous();
    auto bad = c.post("/api/v1/auth/login", json::object{{"email", kAdminEmail}, {"password", "wrong-password"}});
    EXPECT_EQ(bad.status, 401);
    EXPECT_EQ(bad.error_code(), "invalid_credentials");
    auto ok = c.post("/api/v1/auth/login", json::object{{"email", kAdminEmail}, {"password", kAdminPassword}});
    ASSERT_EQ(ok.status, 200) << ok.body;
    auto cookie = ok.header("set-cookie");
    EXPECT_NE(cookie.find("HttpOnly"), std::string::npos);
    EXPECT_NE(cookie.find("SameSite=Strict"), std::string::npos);
    EXPECT_NE(cookie.find("Path=/;"), std::string::npos);
    EXPECT_EQ(cookie.find("Secure"), std::string::npos);  // plain HTTP here
    c.cookie = cookie.substr(0, cookie.find(';'));
    EXPECT_EQ(c.get("/api/v1/me").json().at("email").as_string(), kAdminEmail);
    // A reloaded page gets the CSRF token back from the session route; a bearer token has none.
    auto session = c.get("/api/v1/auth/session");
    ASSERT_EQ(session.status, 200) << session.body;
    EXPECT_EQ(session.json().at("csrfToken"), ok.json().at("csrfToken"));
    EXPECT_EQ(session.json().at("user").at("email").as_string(), kAdminEmail);
    EXPECT_TRUE(admin->get("/api/v1/auth/session").json().at("csrfToken").is_null());
    // A cookie-authenticated write without the CSRF token is refused.
    auto no_csrf = c.post(teams() + "/projects", json::object{{"name", "p1"}});
    EXPECT_EQ(no_csrf.status, 403);
    EXPECT_EQ(no_csrf.error_code(), "csrf");
    c.csrf = std::string(ok.json().at("csrfToken").as_string());
    EXPECT_EQ(c.post(teams() + "/projects", json::object{{"name", "p1"}}).status, 201);
    EXPECT_EQ(c.post("/api/v1/auth/logout", json::object{}).status, 204);
    EXPECT_EQ(c.get("/api/v1/me").status, 401);
}

TEST_P(ApiTest, SessionCookieIsSecureBehindAnHttpsPublicUrl) {
    server->stop();
    server->start([](Config& c) { c.public_url = "https://console.example.test"; });
    auto ok = server->anonymous().post("/api/v1/auth/login", json::object{{"email", kAdminEmail}, {"password", kAdminPassword}});
    ASSERT_EQ(ok.status, 200) << ok.body;
    EXPECT_NE(ok.header("set-cookie").find("; Secure"), std::string::npos) << ok.header("set-cookie");
}

TEST_P(ApiTest, ApiTokensAreShownOnceStoredHashedAndRevocable) {
    auto created = expect_status(admin->post("/api/v1/me/tokens", json::object{{"name", "ci"}, {"expiresInDays", 30}}), 201);
    std::string token(created.at("token").as_string());
    std::string id(created.at("id").as_string());
    ApiClient ci(server->port());
    ci.bearer = token;
    EXPECT_EQ(ci.get("/api/v1/me").status, 200);
    auto list = expect_status(admin->get("/api/v1/me/tokens"), 200);
    EXPECT_EQ(json::serialize(list).find(token), std::string::npos);
    bool found_last_used = false;
    auto tokens = ci.get("/api/v1/me/tokens").json();
    for (const auto& t : tokens.at("items").as_array())
        if (t.at("id").as_string() == id) found_last_used = !t.at("lastUsedAt").is_null();
    EXPECT_TRUE(found_last_used);
    for (const auto& row : server->storage().raw_query("SELECT token_hash FROM api_tokens")) EXPECT_NE(row[0], token);
    EXPECT_EQ(ci.del("/api/v1/me/tokens/" + id).status, 204);
    EXPECT_EQ(ci.get("/api/v1/me").status, 401);
    ApiClient forged(server->port());
    forged.bearer = "sbp_" + std::string(64, 'a');
    EXPECT_EQ(forged.get("/api/v1/me").status, 401);
}

TEST_P(ApiTest, PasswordChange) {
    auto wrong = admin->put("/api/v1/me/password", json::object{{"currentPassword", "nope"}, {"newPassword", "a-new-password-1"}});
    EXPECT_EQ(wrong.status, 400);
    EXPECT_EQ(wrong.error_field(), "currentPassword");
    auto weak = admin->put("/api/v1/me/password", json::object{{"currentPassword", kAdminPassword}, {"newPassword", "short"}});
    EXPECT_EQ(weak.error_field(), "newPassword");
    EXPECT_EQ(admin->put("/api/v1/me/password", json::object{{"currentPassword", kAdminPassword}, {"newPassword", "a-new-password-1"}}).status, 204);
    EXPECT_THROW(server->login_with_token(kAdminEmail, kAdminPassword), std::runtime_error);
    EXPECT_NO_THROW(server->login_with_token(kAdminEmail, "a-new-password-1"));
}

TEST_P(ApiTest, LoginIsRateLimitedPerAccount) {
    auto c = server->anonymous();
    for (int i = 0; i < 5; ++i)
        EXPECT_EQ(c.post("/api/v1/auth/login", json::object{{"email", kAdminEmail}, {"password", "wrong"}}).status, 401);
    auto limited = c.post("/api/v1/auth/login", json::object{{"email", kAdminEmail}, {"password", kAdminPassword}});
    EXPECT_EQ(limited.status, 429);
    EXPECT_FALSE(limited.header("retry-after").empty());
    EXPECT_EQ(limited.error_code(), "rate_limited");
}

TEST_P(ApiTest, LicenceGovernsTeamsClustersAndUsers) {
    // No licence: single tenant, one team, one cluster.
    auto lic = expect_status(admin->get("/api/v1/licence"), 200);
    EXPECT_EQ(lic.at("edition").as_string(), "single");
    auto second = admin->post("/api/v1/teams", json::object{{"name", "second"}});
    EXPECT_EQ(second.status, 403);
    EXPECT_EQ(second.error_code(), "licence_limit");
    EXPECT_EQ(admin->post(teams() + "/clusters", json::object{{"name", "c1"}}).status, 201);
    auto c2 = admin->post(teams() + "/clusters", json::object{{"name", "c2"}});
    EXPECT_EQ(c2.status, 403);
    EXPECT_NE(c2.body.find("cluster"), std::string::npos);
    // A forged licence (signed with another key) is refused, naming the field.
    unsigned char pk[32], sk[64];
    crypto_sign_keypair(pk, sk);
    auto forged = sign_licence(R"({"licensee":"x","edition":"multi","maxClusters":9,"maxUsers":9,"updatesUntil":"2030-01-01","issuedAt":"2024-01-01"})",
                               sb::base64_encode(std::string_view(reinterpret_cast<char*>(sk), 64)));
    auto bad = admin->put("/api/v1/licence", json::object{{"document", forged}});
    EXPECT_EQ(bad.status, 400);
    EXPECT_EQ(bad.error_field(), "document");
    auto expired = admin->put("/api/v1/licence", json::object{{"document", make_licence("multi", 5, 3, "2020-01-01")}});
    EXPECT_EQ(expired.status, 400);
    EXPECT_NE(expired.body.find("updates"), std::string::npos);
    // A valid multi-tenant licence lifts the limits.
    expect_status(admin->put("/api/v1/licence", json::object{{"document", make_licence("multi", 5, 3)}}), 200);
    EXPECT_EQ(admin->post("/api/v1/teams", json::object{{"name", "second"}}).status, 201);
    EXPECT_EQ(admin->post(teams() + "/clusters", json::object{{"name", "c2"}}).status, 201);
    server->create_user(*admin, "u2@example.test");
    server->create_user(*admin, "u3@example.test");
    auto u4 = admin->post("/api/v1/users", json::object{{"email", "u4@example.test"}, {"name", "u4"}, {"password", "password-123456"}});
    EXPECT_EQ(u4.status, 403);
    EXPECT_EQ(u4.error_code(), "licence_limit");
}

TEST_P(ApiTest, MembersAndRoles) {
    std::string uid;
    auto dev = server->create_user(*admin, "dev@example.test", &uid);
    EXPECT_EQ(dev.get(teams()).status, 404);  // not a member: the team does not exist for them
    expect_status(admin->post(teams() + "/members", json::object{{"email", "dev@example.test"}, {"role", "viewer"}}), 201);
    EXPECT_EQ(dev.get(teams()).status, 200);
    EXPECT_EQ(dev.post(teams() + "/projects", json::object{{"name", "p"}}).status, 403);
    expect_status(admin->patch(teams() + "/members/" + uid, json::object{{"role", "developer"}}), 200);
    EXPECT_EQ(dev.post(teams() + "/projects", json::object{{"name", "p"}}).status, 201);
    auto bad_role = admin->patch(teams() + "/members/" + uid, json::object{{"role", "emperor"}});
    EXPECT_EQ(bad_role.error_field(), "role");
    // The last owner cannot leave.
    auto me = admin->get("/api/v1/me").json();
    auto last = admin->del(teams() + "/members/" + std::string(me.at("id").as_string()));
    EXPECT_EQ(last.status, 409);
    EXPECT_EQ(last.error_code(), "last_owner");
    EXPECT_EQ(admin->del(teams() + "/members/" + uid).status, 204);
    EXPECT_EQ(dev.get(teams()).status, 404);
}

TEST_P(ApiTest, ProjectsAppsEnvBuildsServices) {
    auto project = create_project("shop");
    std::string p = teams() + "/projects/" + project;
    auto svc = expect_status(admin->post(p + "/services", json::object{{"name", "db"}, {"type", "postgresql"}}), 201);
    std::string service(svc.at("id").as_string());
    auto app = expect_status(
        admin->post(p + "/apps", json::object{{"name", "web"},
                                              {"git", {{"url", "https://example.test/shop.git"}, {"branch", "main"}, {"token", "git-secret-token"}}},
                                              {"build", {{"type", "buildpack"}, {"builderImage", "paketobuildpacks/builder:base"}}},
                                              {"domains", json::array{"shop.example.test"}},
                                              {"services", json::array{service.c_str()}},
                                              {"env", {{"DATABASE_PASSWORD", "very-secret-value"}}}}),
        201);
    std::string app_id(app.at("id").as_string());
    EXPECT_EQ(app.at("git").at("hasToken").as_bool(), true);
    EXPECT_EQ(app.at("envKeys").as_array().size(), 1u);
    EXPECT_EQ(json::serialize(app).find("very-secret-value"), std::string::npos);
    EXPECT_EQ(json::serialize(app).find("git-secret-token"), std::string::npos);
    // Secrets are sealed at rest.
    for (const auto& row : server->storage().raw_query("SELECT secrets, spec FROM apps")) {
        EXPECT_EQ(row[0].find("very-secret-value"), std::string::npos);
        EXPECT_EQ(row[0].find("git-secret-token"), std::string::npos);
        EXPECT_EQ(row[1].find("git-secret-token"), std::string::npos);
        EXPECT_TRUE(row[0].starts_with("v1:"));
    }
    std::string a = p + "/apps/" + app_id;
    auto env = expect_status(admin->get(a + "/env"), 200);
    EXPECT_EQ(env.at("env").at("DATABASE_PASSWORD").as_string(), "very-secret-value");
    auto bad_env = admin->put(a + "/env", json::object{{"env", {{"1BAD", "x"}}}});
    EXPECT_EQ(bad_env.status, 400);
    EXPECT_EQ(bad_env.error_field(), "env.1BAD");
    // Binding a service of another project is refused.
    auto other = create_project("other");
    auto other_svc = expect_status(admin->post(teams() + "/projects/" + other + "/services", json::object{{"name", "cache"}, {"type", "redis"}}), 201);
    auto cross = admin->patch(a, json::object{{"services", json::array{other_svc.at("id")}}});
    EXPECT_EQ(cross.status, 400);
    EXPECT_EQ(cross.error_field(), "services[0]");
    // A build runs in its project's cluster: without one it is refused.
    auto homeless = admin->post(a + "/builds", json::object{});
    EXPECT_EQ(homeless.status, 409);
    EXPECT_EQ(homeless.error_field(), "clusterId");
    auto cluster = expect_status(admin->post(teams() + "/clusters", json::object{{"name", "edge"}}), 201);
    expect_status(admin->patch(p, json::object{{"clusterId", cluster.at("id")}}), 200);
    // Builds: history newest first; status comes from the cluster only
    // (tests/server/agent), so a new build waits Pending.
    auto b1 = expect_status(admin->post(a + "/builds", json::object{{"gitRef", "abc123"}}), 201);
    auto b2 = expect_status(admin->post(a + "/builds", json::object{}), 201);
    auto builds = expect_status(admin->get(a + "/builds"), 200);
    ASSERT_EQ(builds.at("items").as_array().size(), 2u);
    EXPECT_EQ(builds.at("items").as_array()[0].at("id"), b2.at("id"));
    std::string b = a + "/builds/" + std::string(b1.at("id").as_string());
    EXPECT_EQ(admin->patch(b, json::object{{"phase", "Completed"}}).status, 405);
    EXPECT_EQ(expect_status(admin->get(a + "/builds?status=Pending"), 200).at("items").as_array().size(), 2u);
    EXPECT_EQ(admin->get(b + "/logs").body, "");
    auto usage = expect_status(admin->get(teams() + "/usage"), 200);
    EXPECT_EQ(usage.at("totals").at("apps").as_int64(), 1);
    auto audit = expect_status(admin->get(teams() + "/audit?limit=200"), 200);
    std::set<std::string> actions;
    for (const auto& e : audit.at("items").as_array()) actions.insert(std::string(e.at("action").as_string()));
    EXPECT_TRUE(actions.contains("project.create"));
    EXPECT_TRUE(actions.contains("app.create"));
    EXPECT_TRUE(actions.contains("service.create"));
    // Deleting the project removes its apps.
    EXPECT_EQ(admin->del(p).status, 204);
    EXPECT_EQ(admin->get(a).status, 404);
}

TEST_P(ApiTest, IfMatchPreventsLostUpdates) {
    auto project = create_project("etag");
    std::string p = teams() + "/projects/" + project;
    auto first = admin->get(p);
    auto tag = first.header("etag");
    ASSERT_FALSE(tag.empty());
    expect_status(admin->patch(p, json::object{{"description", "one"}}, {{"If-Match", tag}}), 200);
    auto stale = admin->patch(p, json::object{{"description", "two"}}, {{"If-Match", tag}});
    EXPECT_EQ(stale.status, 412);
    EXPECT_EQ(stale.error_code(), "precondition_failed");
    EXPECT_EQ(admin->del(p, {{"If-Match", tag}}).status, 412);
    EXPECT_EQ(admin->get(p).json().at("description").as_string(), "one");
    EXPECT_EQ(admin->patch(p, json::object{{"description", "x"}}, {{"If-Match", "garbage"}}).error_field(), "If-Match");
}

TEST_P(ApiTest, IdempotencyKeyReplaysTheFirstCreate) {
    std::map<std::string, std::string> key{{"Idempotency-Key", "create-shop-1"}};
    auto first = admin->post(teams() + "/projects", json::object{{"name", "shop"}}, key);
    auto again = admin->post(teams() + "/projects", json::object{{"name", "shop"}}, key);
    EXPECT_EQ(first.status, 201);
    EXPECT_EQ(again.status, 201);
    EXPECT_EQ(first.body, again.body);
    EXPECT_EQ(again.header("idempotent-replayed"), "true");
    auto different = admin->post(teams() + "/projects", json::object{{"name", "other"}}, key);
    EXPECT_EQ(different.status, 422);
    auto without = admin->post(teams() + "/projects", json::object{{"name", "shop"}});
    EXPECT_EQ(without.status, 409);
    EXPECT_EQ(without.error_field(), "name");
}

TEST_P(ApiTest, PaginationAndFiltering) {
    std::set<std::string> created;
    for (int i = 0; i < 7; ++i) created.insert(create_project("p" + std::to_string(i)));
    std::set<std::string> seen;
    std::string url = teams() + "/projects?limit=3";
    int pages = 0;
    for (;;) {
        auto page = expect_status(admin->get(url), 200);
        ++pages;
        for (const auto& item : page.at("items").as_array()) EXPECT_TRUE(seen.insert(std::string(item.at("id").as_string())).second);
        if (page.at("nextCursor").is_null()) break;
        url = teams() + "/projects?limit=3&after=" + std::string(page.at("nextCursor").as_string());
    }
    EXPECT_EQ(pages, 3);
    EXPECT_EQ(seen, created);
    auto filtered = expect_status(admin->get(teams() + "/projects?name=p4"), 200);
    ASSERT_EQ(filtered.at("items").as_array().size(), 1u);
    EXPECT_EQ(filtered.at("items").as_array()[0].at("name").as_string(), "p4");
}

TEST_P(ApiTest, ClusterAgentTokenIsShownOnceAndStoredHashed) {
    auto created = expect_status(admin->post(teams() + "/clusters", json::object{{"name", "edge"}}), 201);
    std::string token(created.at("agentToken").as_string());
    EXPECT_TRUE(token.starts_with("sba_"));
    std::string c = teams() + "/clusters/" + std::string(created.at("id").as_string());
    EXPECT_FALSE(admin->get(c).json().as_object().contains("agentToken"));
    for (const auto& row : server->storage().raw_query("SELECT agent_token_hash FROM clusters")) EXPECT_NE(row[0], token);
    auto renamed = expect_status(admin->patch(c, json::object{{"name", "edge-1"}}), 200);
    EXPECT_EQ(renamed.at("state").as_string(), "pending");
    auto rotated = expect_status(admin->post(c + "/agent-token", json::object{}), 200);
    EXPECT_NE(rotated.at("agentToken").as_string(), token);
    // Removing it says how to remove the operator it leaves behind.
    auto removed = expect_status(admin->del(c), 200);
    EXPECT_NE(removed.at("cleanup").as_string().find("kubectl delete namespace shapeblock"), std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(Backends, ApiTest, ::testing::Values(Backend::sqlite, Backend::postgres),
                         [](const auto& info) { return backend_name(info.param); });

}  // namespace
}  // namespace sb::server::testing
