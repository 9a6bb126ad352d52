// Hostile and malformed input: every case is a clear 4xx naming the
// problem, never a 500, and the server keeps serving.
#include <gtest/gtest.h>

#include <boost/json/serialize.hpp>

#include "tests/server/server_fixture.hpp"

namespace sb::server::testing {
namespace {
namespace json = boost::json;

class BadInput : public ::testing::TestWithParam<Backend> {
protected:
    void SetUp() override {
        server = std::make_unique<TestServer>(GetParam(), [](Config& c) { c.body_limit_bytes = 64 * 1024; });
        admin = std::make_unique<ApiClient>(server->admin());
        projects = "/api/v1/teams/" + server->default_team(*admin) + "/projects";
    }
    void TearDown() override { EXPECT_EQ(server->anonymous().get("/healthz").status, 200); }
    std::unique_ptr<TestServer> server;
    std::unique_ptr<ApiClient> admin;
    std::string projects;
};

TEST_P(BadInput, MalformedJsonWrongTypesUnknownFields) {
    struct Case {
        std::string body, code, field;
    };
    std::vector<Case> cases = {
        {"{\"name\": ", "invalid_json", ""},
        {"[\"name\"]", "invalid_json", ""},
        {"\"just a string\"", "invalid_json", ""},
        {std::string(200, '[') + std::string(200, ']'), "invalid_json", ""},
        {R"({"name": 42})", "invalid_field", "name"},
        {R"({"name": null})", "invalid_field", "name"},
        {R"({"name": ["a"]})", "invalid_field", "name"},
        {R"({"name": "ok", "bogus": 1})", "unknown_field", "bogus"},
        {R"({"name": "ok", "description": false})", "invalid_field", "description"},
        {R"({"name": "../../etc/passwd"})", "invalid_field", "name"},
        {R"({"name": "a/b"})", "invalid_field", "name"},
        {R"({"name": "..."})", "invalid_field", "name"},
        {R"({"name": "UPPER"})", "invalid_field", "name"},
        {R"({"name": ")" + std::string(300, 'a') + R"("})", "invalid_field", "name"},
        {"{\"name\": \"\xff\xfe\"}", "invalid_json", ""},
    };
    for (const auto& c : cases) {
        auto r = admin->request("POST", projects, c.body);
        EXPECT_EQ(r.status, 400) << c.body.substr(0, 80) << " -> " << r.body;
        EXPECT_EQ(r.error_code(), c.code) << c.body.substr(0, 80) << " -> " << r.body;
        EXPECT_EQ(r.error_field(), c.field) << c.body.substr(0, 80);
    }
    auto nested = admin->post(projects, json::object{{"name", "p"}});
    std::string apps = projects + "/" + std::string(nested.json().at("id").as_string()) + "/apps";
    auto r = admin->post(apps, json::object{{"name", "a"}, {"git", {{"url", 7}}}});
    EXPECT_EQ(r.error_field(), "git.url");
    r = admin->post(apps, json::object{{"name", "a"}, {"git", {{"url", "file:///etc/passwd"}}}});
    EXPECT_EQ(r.error_field(), "git.url");
    r = admin->post(apps, json::object{{"name", "a"}, {"build", {{"type", "magic"}}}});
    EXPECT_EQ(r.error_field(), "build.type");
    r = admin->post(apps, json::object{{"name", "a"}, {"domains", json::array{"ok.example", "bad domain"}}});
    EXPECT_EQ(r.error_field(), "domains[1]");
    r = admin->post(apps, json::object{{"name", "a"}, {"env", {{"GOOD", "x"}, {"BAD", 1}}}});
    EXPECT_EQ(r.error_field(), "env.BAD");
}

TEST_P(BadInput, OversizedBodiesAndHeaders) {
    // Refused from the Content-Length alone, before the body is read.
    auto declared = server->anonymous().raw("POST " + projects + " HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + admin->bearer +
                                            "\r\nContent-Type: application/json\r\nContent-Length: 1000000\r\n\r\n");
    EXPECT_NE(declared.find("413"), std::string::npos) << declared.substr(0, 200);
    EXPECT_NE(declared.find("payload_too_large"), std::string::npos);
    auto raw = server->anonymous().raw("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(64 * 1024, 'h') + "\r\n\r\n");
    EXPECT_NE(raw.find("413"), std::string::npos) << raw.substr(0, 200);
}

TEST_P(BadInput, PathTraversalAndOddPaths) {
    for (std::string path : {projects + "/../../../etc/passwd", projects + "/%2e%2e%2f%2e%2e", projects + "/%zz",
                             projects + "/a%00b", std::string("/api/v1/teams/..%2F..%2F/projects"), projects + "/" + std::string(500, 'x')}) {
        auto r = admin->get(path);
        EXPECT_EQ(r.status, 404) << path << " " << r.body;
        EXPECT_EQ(r.error_code(), "not_found") << path;
    }
    EXPECT_EQ(admin->request("PUT", "/healthz").status, 405);
}

TEST_P(BadInput, PaginationValues) {
    for (std::string q : {"limit=100000", "limit=0", "limit=-1", "limit=abc", "limit=1e3", "limit=99999999999999999999"}) {
        auto r = admin->get(projects + "?" + q);
        EXPECT_EQ(r.status, 400) << q;
        EXPECT_EQ(r.error_field(), "limit") << q;
    }
    auto cursor = admin->get(projects + "?after=%27%20OR%201%3D1%20--");
    EXPECT_EQ(cursor.error_field(), "after");
    auto unknown = admin->get(projects + "?colour=blue");
    EXPECT_EQ(unknown.error_field(), "colour");
    EXPECT_EQ(admin->get(projects + "?limit=200").status, 200);
}

TEST_P(BadInput, MalformedHttpAndAuthHeaders) {
    auto garbage = server->anonymous().raw("THIS IS NOT HTTP\r\n\r\n");
    EXPECT_EQ(garbage.find("500"), std::string::npos);
    server->anonymous().raw(std::string("\x00\x01\x02\xff", 4));
    server->anonymous().raw("POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{\"email\":");
    server->anonymous().raw("POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n");
    ApiClient basic(server->port());
    auto r = basic.request("GET", "/api/v1/me", "", {{"Authorization", "Basic YWRtaW46YWRtaW4="}});
    EXPECT_EQ(r.status, 401);
    r = basic.request("GET", "/api/v1/me", "", {{"Cookie", "sb_session=; other=1"}});
    EXPECT_EQ(r.status, 401);
    r = admin->request("PATCH", projects + "/x", "{}", {{"If-Match", "\"not-a-version\""}});
    EXPECT_EQ(r.status, 404);  // the object does not exist: 404 wins before the header is read
    r = admin->request("POST", projects, "{\"name\":\"ok\"}", {{"Idempotency-Key", std::string(200, 'k')}});
    EXPECT_EQ(r.error_field(), "Idempotency-Key");
}

INSTANTIATE_TEST_SUITE_P(Backends, BadInput, ::testing::Values(Backend::sqlite, Backend::postgres),
                         [](const auto& info) { return backend_name(info.param); });

}  // namespace
}  // namespace sb::server::testing
