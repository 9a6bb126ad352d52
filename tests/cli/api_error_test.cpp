#include "cli/api_error.hpp"

#include <gtest/gtest.h>

#include "cli/http_transport.hpp"
#include "cli/server_url.hpp"

namespace sb::cli {
namespace {

const char* kServer = "http://127.0.0.1:8080";

TEST(ApiError, AFieldErrorNamesTheField) {
    auto e = api_failure(400, R"json({"error":{"code":"invalid_field","message":"must be an https://, http://, ssh:// or git@ URL","field":"git.url"}})json",
                         "create app web", kServer);
    EXPECT_EQ(std::string(e.what()), "cannot create app web: git.url: must be an https://, http://, ssh:// or git@ URL");
    EXPECT_EQ(e.code(), ExitCode::error);
}

TEST(ApiError, AMessageThatNamesItsFieldIsNotRepeated) {
    auto e = api_failure(400, R"json({"error":{"code":"invalid_field","message":"name is required","field":"name"}})json", "create team", kServer);
    EXPECT_EQ(std::string(e.what()), "cannot create team: name is required");
}

TEST(ApiError, Unauthorised401SaysToSignInAgain) {
    auto e = api_failure(401, R"json({"error":{"code":"unauthenticated","message":"the API token is not valid"}})json", "list apps", kServer);
    EXPECT_EQ(e.code(), ExitCode::auth);
    EXPECT_NE(std::string(e.what()).find("run sb login http://127.0.0.1:8080"), std::string::npos) << e.what();
    auto expired = api_failure(401, R"json({"error":{"code":"token_expired","message":"x"}})json", "list apps", kServer);
    EXPECT_NE(std::string(expired.what()).find("expired"), std::string::npos) << expired.what();
}

TEST(ApiError, Forbidden403KeepsTheServersReason) {
    auto e = api_failure(403, R"json({"error":{"code":"forbidden","message":"this needs the admin role in the team (you are viewer)"}})json",
                         "delete app web", kServer);
    EXPECT_EQ(e.code(), ExitCode::auth);
    EXPECT_EQ(std::string(e.what()), "cannot delete app web: this needs the admin role in the team (you are viewer)");
}

TEST(ApiError, NotFoundAndMissingRoutesDiffer) {
    auto gone = api_failure(404, R"json({"error":{"code":"not_found","message":"app not found"}})json", "show app", kServer);
    EXPECT_EQ(gone.code(), ExitCode::not_found);
    auto route = api_failure(404, R"json({"error":{"code":"not_found","message":"no such endpoint: /api/v1/x"}})json", "scale app web", kServer);
    EXPECT_EQ(route.code(), ExitCode::error);
    EXPECT_NE(std::string(route.what()).find("does not offer this yet"), std::string::npos) << route.what();
}

TEST(ApiError, ServerFailuresAreOneLineWithoutTheBody) {
    auto e = api_failure(500, R"json({"error":{"code":"internal","message":"internal error"}})json", "list apps", kServer);
    std::string text = e.what();
    EXPECT_EQ(text.find('{'), std::string::npos) << text;
    EXPECT_EQ(text.find('\n'), std::string::npos) << text;
    EXPECT_NE(text.find("HTTP 500"), std::string::npos) << text;
    auto html = api_failure(502, "<html><body>Bad Gateway</body></html>", "list apps", kServer);
    EXPECT_EQ(std::string(html.what()).find('<'), std::string::npos) << html.what();
}

TEST(Unreachable, NamesTheUrlAndTheCause) {
    auto url = parse_server_url("http://127.0.0.1:9");
    auto text = unreachable_message(url, "connect", "connection refused");
    EXPECT_EQ(text, "cannot reach the server at http://127.0.0.1:9: connection refused (is the server running?)");
    auto tls = unreachable_message(parse_server_url("https://sb.example.com"), "tls", "certificate verify failed");
    EXPECT_NE(tls.find("TLS with https://sb.example.com failed: certificate verify failed"), std::string::npos) << tls;
}

TEST(ServerUrl, ParsesWhatUsersType) {
    auto a = parse_server_url("http://127.0.0.1:8080/");
    EXPECT_FALSE(a.tls);
    EXPECT_EQ(a.port, "8080");
    EXPECT_EQ(a.text(), "http://127.0.0.1:8080");
    auto b = parse_server_url("sb.example.com");
    EXPECT_TRUE(b.tls);
    EXPECT_EQ(b.port, "443");
    EXPECT_EQ(b.host_header(), "sb.example.com");
    auto c = parse_server_url("https://example.com:8443/shapeblock");
    EXPECT_EQ(c.prefix, "/shapeblock");
    EXPECT_EQ(c.host_header(), "example.com:8443");
    auto d = parse_server_url("http://[::1]:8080");
    EXPECT_EQ(d.host, "[::1]");
    EXPECT_THROW(parse_server_url("ftp://x"), CliError);
    EXPECT_THROW(parse_server_url("http://user:pw@x"), CliError);
    EXPECT_THROW(parse_server_url("http://x:99999"), CliError);
    EXPECT_THROW(parse_server_url("http://"), CliError);
}

}  // namespace
}  // namespace sb::cli
