// The authorisation matrix, generated from the route table: every route ×
// {anonymous, viewer, developer, admin, owner, server admin} on its own
// team, plus a member of another team and a path naming another team's
// objects. A new route is covered the moment it is added to the table.
#include <gtest/gtest.h>

#include <boost/json/serialize.hpp>

#include "server/api/helpers.hpp"
#include "tests/server/server_fixture.hpp"

namespace sb::server::testing {
namespace {
namespace json = boost::json;

// Objects of one team, created fresh for every (route, caller), so a DELETE
// by one caller never changes what the next one sees.
struct TeamObjects {
    std::map<std::string, std::string> ids;  // path parameter -> id
};

class AuthzMatrix : public ::testing::TestWithParam<Backend> {
protected:
    void SetUp() override {
        server = std::make_unique<TestServer>(GetParam());
        admin = std::make_unique<ApiClient>(server->admin());
        expect_status(admin->put("/api/v1/licence", json::object{{"document", make_licence("multi", 100000, 1000)}}), 200);
        for (const char* role : {"viewer", "developer", "admin", "owner"}) {
            std::string id;
            users.emplace(role, server->create_user(*admin, "role-" + std::string(role) + "@example.test", &id));
        }
        outsider = std::make_unique<ApiClient>(server->create_user(*admin, "outsider@example.test"));
    }

    // A team owned by `owner` with the four role users as members.
    std::string make_team(const ApiClient& owner, bool with_members) {
        auto t = owner.post("/api/v1/teams", json::object{{"name", "t" + sb::testenv::random_hex(5)}});
        EXPECT_EQ(t.status, 201) << t.body;
        std::string id(t.json().at("id").as_string());
        if (with_members)
            for (const char* role : {"viewer", "developer", "admin"})
                expect_status(owner.post("/api/v1/teams/" + id + "/members",
                                         json::object{{"email", "role-" + std::string(role) + "@example.test"}, {"role", role}}),
                              201);
        return id;
    }

    TeamObjects make_objects(const ApiClient& c, const std::string& team) {
        TeamObjects o;
        std::string t = "/api/v1/teams/" + team;
        o.ids["team"] = team;
        auto id_of = [](const HttpResult& r) {
            EXPECT_TRUE(r.status == 201 || r.status == 200) << r.body;
            return std::string(r.json().at("id").as_string());
        };
        o.ids["cluster"] = id_of(c.post(t + "/clusters", json::object{{"name", "c" + sb::testenv::random_hex(4)}}));
        o.ids["project"] = id_of(c.post(t + "/projects", json::object{{"name", "p" + sb::testenv::random_hex(4)},
                                                                    {"clusterId", o.ids["cluster"]}}));
        std::string p = t + "/projects/" + o.ids["project"];
        o.ids["app"] = id_of(c.post(p + "/apps", json::object{{"name", "a"}}));
        // A domain, whose adding is the app's release 1.
        o.ids["host"] = "h" + sb::testenv::random_hex(4) + ".example.test";
        expect_status(c.post(p + "/apps/" + o.ids["app"] + "/domains", json::object{{"host", o.ids["host"]}}), 201);
        o.ids["release"] = "1";
        o.ids["service"] = id_of(c.post(p + "/services", json::object{{"name", "s"}, {"type", "redis"}}));
        o.ids["build"] = id_of(c.post(p + "/apps/" + o.ids["app"] + "/builds", json::object{}));
        auto hook = c.post(p + "/apps/" + o.ids["app"] + "/webhook", json::object{});
        EXPECT_EQ(hook.status, 201) << hook.body;
        // A removable member: a fresh user added as viewer.
        std::string uid;
        server->create_user(*admin, "m" + sb::testenv::random_hex(4) + "@example.test", &uid);
        auto email = admin->get("/api/v1/users?limit=200").json();
        for (const auto& u : email.at("items").as_array())
            if (u.at("id").as_string() == uid)
                expect_status(c.post(t + "/members", json::object{{"email", u.at("email")}, {"role", "viewer"}}), 201);
        o.ids["member"] = uid;
        return o;
    }

    static std::string fill(const std::string& pattern, const std::map<std::string, std::string>& ids) {
        std::string path = pattern;
        for (auto open = path.find('{'); open != std::string::npos; open = path.find('{')) {
            auto close = path.find('}', open);
            path.replace(open, close - open + 1, ids.at(path.substr(open + 1, close - open - 1)));
        }
        return path;
    }

    // A body that passes validation where possible, so "allowed" means the handler ran.
    static std::string body_for(const Route& r) {
        if (!r.has_body) return "";
        if (r.pattern.ends_with("/members") && r.method == "POST") return std::string(R"({"email":")") + kAdminEmail + R"(","role":"viewer"})";
        if (r.pattern.ends_with("{member}")) return R"({"role":"viewer"})";
        if (r.pattern.ends_with("/env")) return R"({"env":{"A":"b"}})";
        if (r.method == "POST") return R"({"name":"n)" + sb::testenv::random_hex(4) + R"(","type":"redis"})";
        return "{}";
    }

    std::unique_ptr<TestServer> server;
    std::unique_ptr<ApiClient> admin;
    std::map<std::string, ApiClient> users;
    std::unique_ptr<ApiClient> outsider;
};

bool denied(int status) { return status == 401 || status == 403 || status == 404; }

TEST_P(AuthzMatrix, EveryRouteEveryRoleEveryTeam) {
    const auto router = api::make_router();
    int checked = 0;
    const std::vector<std::pair<std::string, Role>> roles = {
        {"viewer", Role::viewer}, {"developer", Role::developer}, {"admin", Role::admin}, {"owner", Role::owner}};
    for (const auto& route : router.routes()) {
        SCOPED_TRACE(route.method + " " + route.pattern);
        bool team_route = route.access == Access::team;
        if (route.access == Access::agent) {
            // Only a cluster's agent token opens it (tests/server/agent); no user gets in.
            EXPECT_EQ(server->anonymous().get(route.pattern).status, 401);
            EXPECT_EQ(admin->get(route.pattern).status, 401);
            checked += 2;
            continue;
        }
        if (route.access == Access::registration) {
            // Only the registration URL's own token opens it (cluster_registration_test); no user gets in.
            EXPECT_EQ(server->anonymous().get(fill(route.pattern, {{"cluster", "0000"}})).status, 401);
            EXPECT_EQ(admin->get(fill(route.pattern, {{"cluster", "0000"}})).status, 401);
            checked += 2;
            continue;
        }
        if (route.pattern.find("{webhook}") != std::string::npos) {
            // A git webhook's delivery URL: its random id and the delivery's signature open it
            // (webhook_test); an unknown id is nothing, for anyone.
            EXPECT_EQ(server->anonymous().request(route.method, fill(route.pattern, {{"webhook", "0000"}}), "{}").status, 404);
            EXPECT_EQ(admin->request(route.method, fill(route.pattern, {{"webhook", "0000"}}), "{}").status, 404);
            checked += 2;
            continue;
        }
        bool own_objects = route.pattern.find("{token}") != std::string::npos;
        auto prepare = [&](std::map<std::string, std::string>& ids, std::map<std::string, std::string>& other_ids) {
            if (!team_route) return;
            std::string mine = make_team(users.at("owner"), true);
            std::string theirs = make_team(*outsider, false);
            ids = make_objects(users.at("owner"), mine).ids;
            other_ids = make_objects(*outsider, theirs).ids;
        };
        auto call = [&](const ApiClient& c, const std::map<std::string, std::string>& ids) {
            std::map<std::string, std::string> with_token = ids;
            if (own_objects) {
                auto t = c.post("/api/v1/me/tokens", json::object{{"name", "x"}});
                with_token["token"] = t.status == 201 ? std::string(t.json().at("id").as_string()) : "00000000";
            }
            return c.request(route.method, fill(route.pattern, with_token), body_for(route));
        };
        std::map<std::string, std::string> ids, other;
        prepare(ids, other);
        // Anonymous.
        auto anon = call(server->anonymous(), ids);
        if (route.access == Access::public_) EXPECT_FALSE(denied(anon.status)) << anon.body;
        else EXPECT_EQ(anon.status, 401) << anon.body;
        ++checked;
        if (route.access == Access::public_) continue;
        // Each team role, on its own team (fresh objects for writes).
        for (const auto& [name, role] : roles) {
            if (route.method != "GET") prepare(ids, other);
            auto r = call(users.at(name), ids);
            ++checked;
            if (route.access == Access::server_admin) {
                EXPECT_EQ(r.status, 403) << name << " " << r.body;
            } else if (!team_route || role >= route.min_role) {
                EXPECT_FALSE(denied(r.status)) << name << " " << r.status << " " << r.body;
            } else {
                EXPECT_EQ(r.status, 403) << name << " " << r.body;
            }
        }
        if (route.access == Access::server_admin) {
            EXPECT_FALSE(denied(call(*admin, ids).status));
            ++checked;
        }
        if (!team_route) continue;
        // A member of another team sees nothing of this one.
        auto foreign = call(*outsider, ids);
        EXPECT_EQ(foreign.status, 404) << foreign.body;
        EXPECT_EQ(foreign.error_code(), "not_found");
        ++checked;
        // The owner's own team in the path, another team's objects below it.
        if (ids.size() > 1 && route.pattern != "/api/v1/teams/{team}" && route.pattern.find('{', route.pattern.find("{team}") + 1) != std::string::npos) {
            auto mixed = other;
            mixed["team"] = ids.at("team");
            auto r = call(users.at("owner"), mixed);
            EXPECT_EQ(r.status, 404) << r.body;
            ++checked;
        }
    }
    std::printf("authorisation matrix: %d checks over %zu routes\n", checked, router.routes().size());
    EXPECT_GT(checked, static_cast<int>(router.routes().size()) * 4);
}

INSTANTIATE_TEST_SUITE_P(Backends, AuthzMatrix, ::testing::Values(Backend::sqlite, Backend::postgres),
                         [](const auto& info) { return backend_name(info.param); });

}  // namespace
}  // namespace sb::server::testing
