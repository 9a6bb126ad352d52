// The web UI's files as the server serves them: types, caching, gzip, the
// security headers, index.html for the UI's own paths, and the page shown
// when the UI was not built.
#include <gtest/gtest.h>

#include <fstream>

#include "server/http/static_site.hpp"
#include "tests/support/scratch.hpp"

namespace sb::server {
namespace {

void write(const std::filesystem::path& file, const std::string& text) {
    std::filesystem::create_directories(file.parent_path());
    std::ofstream(file, std::ios::binary) << text;
}

Request get(std::string path, std::vector<std::pair<std::string, std::string>> headers = {}) {
    Request r;
    r.method = "GET";
    r.path = std::move(path);
    r.headers = std::move(headers);
    r.headers.emplace_back("host", "console.example.test:8443");
    return r;
}

std::string header(const Response& r, std::string_view name) {
    for (const auto& [k, v] : r.headers)
        if (k == name) return v;
    return "";
}

class StaticSiteTest : public ::testing::Test {
protected:
    void SetUp() override {
        write(dir_.path() / "index.html", "<!doctype html><div id=root></div>");
        write(dir_.path() / "index.html.gz", "GZ-INDEX");
        write(dir_.path() / "assets" / "index-abc123.js", "console.log(1)");
        write(dir_.path() / "assets" / "index-abc123.js.gz", "GZ-JS");
        write(dir_.path() / "assets" / "index-def456.css", "body{}");
        write(dir_.path() / "favicon.svg", "<svg/>");
        site_ = StaticSite::load(dir_.path());
    }
    testenv::ScratchDir dir_{"static-site"};
    StaticSite site_;
};

TEST_F(StaticSiteTest, HashedAssetsAreImmutableAndTyped) {
    auto js = site_.serve(get("/assets/index-abc123.js"));
    ASSERT_TRUE(js);
    EXPECT_EQ(js->status, 200);
    EXPECT_EQ(js->content_type, "text/javascript; charset=utf-8");
    EXPECT_EQ(js->body, "console.log(1)");
    EXPECT_EQ(header(*js, "Cache-Control"), "public, max-age=31536000, immutable");
    EXPECT_EQ(header(*js, "Content-Encoding"), "");
    EXPECT_EQ(header(*js, "Vary"), "Accept-Encoding");
    auto css = site_.serve(get("/assets/index-def456.css"));
    ASSERT_TRUE(css);
    EXPECT_EQ(css->content_type, "text/css; charset=utf-8");
    EXPECT_EQ(header(*css, "Vary"), "");
    EXPECT_EQ(site_.serve(get("/favicon.svg"))->content_type, "image/svg+xml");
}

TEST_F(StaticSiteTest, GzipOnlyWhenAccepted) {
    auto js = site_.serve(get("/assets/index-abc123.js", {{"accept-encoding", "br, gzip"}}));
    ASSERT_TRUE(js);
    EXPECT_EQ(js->body, "GZ-JS");
    EXPECT_EQ(header(*js, "Content-Encoding"), "gzip");
    EXPECT_EQ(js->content_type, "text/javascript; charset=utf-8");
}

TEST_F(StaticSiteTest, UiPathsGetIndexRevalidated) {
    for (std::string path : {"/", "/index.html", "/teams/t1/projects/p1"}) {
        auto page = site_.serve(get(path));
        ASSERT_TRUE(page) << path;
        EXPECT_EQ(page->body, "<!doctype html><div id=root></div>") << path;
        EXPECT_EQ(page->content_type, "text/html; charset=utf-8");
        EXPECT_EQ(header(*page, "Cache-Control"), "no-cache");
    }
}

TEST_F(StaticSiteTest, MissingFilesAndApiPathsAreNotTheSites) {
    EXPECT_FALSE(site_.serve(get("/assets/index-000000.js")));
    EXPECT_FALSE(site_.serve(get("/robots.txt")));
    EXPECT_FALSE(site_.serve(get("/api/v1/nothing")));
    EXPECT_FALSE(site_.serve(get("/api")));
    auto post = get("/");
    post.method = "POST";
    EXPECT_FALSE(site_.serve(post));
}

TEST_F(StaticSiteTest, SecurityHeaders) {
    auto page = site_.serve(get("/"));
    ASSERT_TRUE(page);
    auto csp = header(*page, "Content-Security-Policy");
    EXPECT_NE(csp.find("script-src 'self'"), std::string::npos) << csp;
    EXPECT_NE(csp.find("style-src 'self'"), std::string::npos) << csp;
    EXPECT_NE(csp.find("frame-ancestors 'none'"), std::string::npos) << csp;
    EXPECT_NE(csp.find("connect-src 'self' ws://console.example.test:8443 wss://console.example.test:8443"), std::string::npos) << csp;
    EXPECT_EQ(csp.find("unsafe-inline"), std::string::npos) << csp;
    EXPECT_EQ(header(*page, "Referrer-Policy"), "no-referrer");
    EXPECT_EQ(header(*page, "X-Frame-Options"), "DENY");
}

TEST_F(StaticSiteTest, AnOddHostIsLeftOutOfThePolicy) {
    auto request = get("/");
    request.headers = {{"host", "evil\"; script-src *"}};
    auto page = site_.serve(request);
    ASSERT_TRUE(page);
    auto csp = header(*page, "Content-Security-Policy");
    EXPECT_NE(csp.find("connect-src 'self';"), std::string::npos) << csp;
    EXPECT_EQ(csp.find("evil"), std::string::npos) << csp;
}

TEST(StaticSiteNotBuilt, RootExplainsHowToBuildTheUi) {
    testenv::ScratchDir empty("static-site-empty");
    auto site = StaticSite::load(empty.path() / "absent");
    EXPECT_FALSE(site.built());
    auto page = site.serve(get("/"));
    ASSERT_TRUE(page);
    EXPECT_EQ(page->status, 503);
    EXPECT_NE(page->body.find("The web UI is not built"), std::string::npos);
    EXPECT_NE(page->body.find("npm ci"), std::string::npos);
    EXPECT_FALSE(header(*page, "Content-Security-Policy").empty());
    EXPECT_FALSE(site.serve(get("/teams/x/projects")));
}

}  // namespace
}  // namespace sb::server
