// The real sb binary against the real shapeblock-server (SQLite): the
// developer journey with -o json checked field by field, the failures a user
// meets (unknown command, server down, revoked token, 5xx, TLS), and the
// terminal behaviour under a pseudo-terminal.
#include <sys/stat.h>

#include <gtest/gtest.h>

#include <algorithm>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <thread>

#include "tests/cli/canned_responder.hpp"
#include "tests/cli/sb_runner.hpp"
#include "tests/support/child_process.hpp"
#include "tests/support/scratch.hpp"

namespace sb::cli::testing {
namespace {
namespace json = boost::json;
using namespace std::chrono_literals;

constexpr const char* kAdminEmail = "admin@cli.test";

#define ASSERT_SB_OK(call)                     \
    do {                                       \
        auto done_ = (call);                   \
        ASSERT_EQ(done_.code, 0) << done_.err; \
    } while (0)

class SbJourney : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        scratch_ = new testenv::ScratchDir("cli-journey");
        port_ = testenv::free_port();
        password_ = "pw-" + testenv::random_hex(12);
        auto data = scratch_->path() / "server";
        std::filesystem::create_directories(data);
        server_ = new testenv::ChildProcess({{SB_TEST_SERVER, "--listen", "127.0.0.1", "--port", std::to_string(port_), "--data-dir",
                                              data.string(), "--log-format", "text", "--source-upload-limit", "65536"},
                                             (data / "server.log").string(),
                                             {{"SB_ADMIN_EMAIL", kAdminEmail}, {"SB_ADMIN_PASSWORD", password_}}});
        auto deadline = std::chrono::steady_clock::now() + 60s;
        while (!http_ok(port_, "/readyz")) {
            if (!server_->running() || std::chrono::steady_clock::now() > deadline)
                throw std::runtime_error("shapeblock-server did not start:\n" + server_->log_tail());
            std::this_thread::sleep_for(100ms);
        }
    }
    static void TearDownTestSuite() {
        delete server_;
        delete scratch_;
    }

    static std::string url() { return "http://127.0.0.1:" + std::to_string(port_); }
    static std::filesystem::path config_home() { return scratch_->path() / "config"; }

    // sb with this suite's config home, no colours requested, no CI variables.
    static SbResult sb(std::vector<std::string> args, std::map<std::string, std::string> env = {}, std::string input = {},
                       std::string cwd = {}) {
        SbRun run{std::move(args), {{"XDG_CONFIG_HOME", config_home().string()}, {"SB_SERVER", ""}, {"SB_TOKEN", ""},
                                    {"SB_TEAM", ""}, {"SB_PROJECT", ""}, {"SB_APP", ""}, {"NO_COLOR", ""}, {"SB_CONTEXT", ""}},
                  std::move(input), std::move(cwd)};
        for (auto& [k, v] : env) run.env[k] = v;
        return run_sb(SB_TEST_BINARY, run);
    }
    static json::value ok_json(std::vector<std::string> args) {
        args.push_back("-o");
        args.push_back("json");
        auto r = sb(args);
        EXPECT_EQ(r.code, 0) << r.err;
        boost::system::error_code ec;
        auto v = json::parse(r.out, ec);
        EXPECT_FALSE(ec) << "not JSON: " << r.out;
        return v;
    }
    static std::string str(const json::value& v, const char* key) {
        const auto* f = v.as_object().if_contains(key);
        return f && f->is_string() ? std::string(f->as_string()) : "";
    }
    // One line on stderr, "sb: ...", no JSON, no stack trace.
    static void expect_one_clear_line(const SbResult& r) {
        EXPECT_TRUE(r.err.starts_with("sb: ")) << r.err;
        EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
        EXPECT_EQ(r.err.find('{'), std::string::npos) << r.err;
        EXPECT_EQ(r.err.find("what()"), std::string::npos) << r.err;
    }
    // Progress lines may come first; the failure is one "sb: ..." line at the end.
    static void expect_last_line_clear(const SbResult& r) {
        ASSERT_FALSE(r.err.empty());
        auto body = r.err.substr(0, r.err.size() - 1);
        auto last = body.substr(body.rfind('\n') == std::string::npos ? 0 : body.rfind('\n') + 1);
        EXPECT_TRUE(last.starts_with("sb: ")) << r.err;
        EXPECT_EQ(r.err.find('{'), std::string::npos) << r.err;
    }
    static void login() {
        auto r = sb({"login", url(), "--email", kAdminEmail, "--password-stdin"}, {}, password_ + "\n");
        ASSERT_EQ(r.code, 0) << r.err;
    }

    static testenv::ScratchDir* scratch_;
    static testenv::ChildProcess* server_;
    static int port_;
    static std::string password_;
};

testenv::ScratchDir* SbJourney::scratch_ = nullptr;
testenv::ChildProcess* SbJourney::server_ = nullptr;
int SbJourney::port_ = 0;
std::string SbJourney::password_;

TEST_F(SbJourney, TheDevelopersJourney) {
    // login: an API token in a 0600 file, never the password.
    login();
    auto config_file = config_home() / "shapeblock" / "config.yaml";
    struct stat st{};
    ASSERT_EQ(::stat(config_file.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u);
    auto config_text = testenv::read_file(config_file);
    EXPECT_EQ(config_text.find(password_), std::string::npos);
    EXPECT_NE(config_text.find("token: sbp_"), std::string::npos) << config_text;

    // context
    auto contexts = ok_json({"context", "list"});
    ASSERT_EQ(contexts.as_array().size(), 1u);
    EXPECT_EQ(str(contexts.at(0), "server"), url());
    EXPECT_EQ(str(contexts.at(0), "user"), kAdminEmail);
    EXPECT_EQ(contexts.at(0).at("current"), json::value(true));
    EXPECT_EQ(sb({"context", "current"}).out, "127.0.0.1:" + std::to_string(port_) + "\n");

    // version: client and server agree
    auto version = ok_json({"version"});
    EXPECT_EQ(version.at("client").at("version"), version.at("server").at("version"));
    EXPECT_EQ(str(version.at("server"), "api"), "v1");

    // team
    auto teams = ok_json({"teams", "list"});
    ASSERT_EQ(teams.as_array().size(), 1u);
    EXPECT_EQ(str(teams.at(0), "name"), "default");
    EXPECT_EQ(str(teams.at(0), "role"), "owner");
    ASSERT_SB_OK(sb({"teams", "use", "default"}));

    // cluster add prints the import command, not the agent token
    auto cluster = ok_json({"clusters", "add", "c1"});
    EXPECT_EQ(str(cluster, "name"), "c1");
    EXPECT_FALSE(cluster.as_object().contains("agentToken"));
    auto command = str(cluster.at("registration"), "command");
    EXPECT_TRUE(command.starts_with("kubectl apply -f '" + url() + "/api/v1/clusters/")) << command;
    auto import = sb({"clusters", "import-command", "c1", "-q"});
    ASSERT_EQ(import.code, 0) << import.err;
    EXPECT_TRUE(import.out.starts_with("kubectl apply -f '")) << import.out;
    auto clusters = ok_json({"clusters", "list"});
    ASSERT_EQ(clusters.as_array().size(), 1u);
    EXPECT_EQ(str(clusters.at(0), "id"), str(cluster, "id"));

    // project on that cluster, made the default
    auto project = ok_json({"projects", "create", "shop", "--cluster", "c1", "--description", "the shop"});
    EXPECT_EQ(str(project, "name"), "shop");
    EXPECT_EQ(str(project, "clusterId"), str(cluster, "id"));
    EXPECT_EQ(str(project, "description"), "the shop");
    ASSERT_SB_OK(sb({"projects", "use", "shop"}));

    // app from git
    auto app = ok_json({"apps", "create", "web", "--git", "https://git.example.com/acme/web.git", "--branch", "release"});
    EXPECT_EQ(str(app, "name"), "web");
    EXPECT_EQ(str(app.at("git"), "url"), "https://git.example.com/acme/web.git");
    EXPECT_EQ(str(app.at("git"), "branch"), "release");
    EXPECT_EQ(str(app.at("build"), "type"), "dockerfile");
    auto image_app = ok_json({"apps", "create", "cache", "--image", "redis:7"});
    EXPECT_EQ(str(image_app.at("build"), "type"), "image");
    EXPECT_EQ(str(image_app.at("build"), "image"), "redis:7");
    auto apps = ok_json({"apps", "list"});
    ASSERT_EQ(apps.as_array().size(), 2u);
    auto table = sb({"apps", "list"});
    EXPECT_TRUE(table.out.starts_with("NAME   STATUS")) << table.out;
    EXPECT_EQ(table.out.find('\033'), std::string::npos) << "colour on a pipe";
    auto yaml = sb({"apps", "show", "web", "-o", "yaml"});
    EXPECT_NE(yaml.out.find("name: web\n"), std::string::npos) << yaml.out;

    // bad app input names the field; an unknown app names the ones there
    auto bad = sb({"apps", "create", "bad", "--git", "not-a-url"});
    EXPECT_EQ(bad.code, 1);
    expect_one_clear_line(bad);
    EXPECT_NE(bad.err.find("git.url"), std::string::npos) << bad.err;
    auto missing = sb({"apps", "show", "nope"});
    EXPECT_EQ(missing.code, 3);
    EXPECT_EQ(missing.err, "sb: no app \"nope\" in project \"shop\" (apps here: cache, web)\n");

    // env: values hidden unless --reveal
    ASSERT_SB_OK(sb({"env", "set", "-a", "web", "A=1", "B=two=2"}));
    auto hidden = ok_json({"env", "list", "-a", "web"});
    ASSERT_EQ(hidden.as_array().size(), 2u);
    EXPECT_EQ(str(hidden.at(0), "name"), "A");
    EXPECT_TRUE(hidden.at(0).at("value").is_null());
    auto hidden_table = sb({"env", "list", "-a", "web"});
    EXPECT_EQ(hidden_table.out.find("two"), std::string::npos) << hidden_table.out;
    auto revealed = ok_json({"env", "list", "-a", "web", "--reveal"});
    ASSERT_EQ(revealed.as_array().size(), 2u);
    EXPECT_EQ(str(revealed.at(0), "value"), "1");
    EXPECT_EQ(str(revealed.at(1), "name"), "B");
    EXPECT_EQ(str(revealed.at(1), "value"), "two=2");
    ASSERT_SB_OK(sb({"env", "unset", "-a", "web", "A"}));
    auto after = ok_json({"env", "list", "-a", "web", "--reveal"});
    ASSERT_EQ(after.as_array().size(), 1u);
    EXPECT_EQ(str(after.at(0), "name"), "B");
    auto bad_env = sb({"env", "set", "-a", "web", "NOEQUALS"});
    EXPECT_EQ(bad_env.code, 2);
    expect_one_clear_line(bad_env);

    // .shapeblock.yaml pins the app: no -a needed inside the repository
    auto repo = scratch_->path() / "repo";
    std::filesystem::create_directories(repo / "sub");
    testenv::write_file(repo / ".shapeblock.yaml", "app: web\n");
    auto pinned = sb({"env", "list", "-o", "json"}, {}, {}, (repo / "sub").string());
    ASSERT_EQ(pinned.code, 0) << pinned.err;
    EXPECT_EQ(json::parse(pinned.out).as_array().size(), 1u);

    // builds
    auto build = ok_json({"builds", "start", "-a", "web", "--ref", "v1.0.0"});
    EXPECT_EQ(str(build, "gitRef"), "v1.0.0");
    EXPECT_EQ(str(build.at("status"), "phase"), "Pending");
    auto builds = ok_json({"builds", "list", "-a", "web"});
    ASSERT_EQ(builds.as_array().size(), 1u);
    EXPECT_EQ(str(builds.at(0), "id"), str(build, "id"));
    auto log = sb({"builds", "logs", "-a", "web"});
    EXPECT_EQ(log.code, 0) << log.err;
    EXPECT_EQ(log.out, "");  // no cluster ran it

    // services: create, bind, unbind
    auto service = ok_json({"services", "create", "db", "--type", "postgresql", "--storage", "1Gi"});
    EXPECT_EQ(str(service, "name"), "db");
    EXPECT_EQ(str(service, "type"), "postgresql");
    EXPECT_EQ(str(service, "storage"), "1Gi");
    // credentials come from the cluster on request: this one has no operator connected
    auto credentials = sb({"services", "credentials", "db"});
    EXPECT_EQ(credentials.code, 1) << credentials.err;
    expect_one_clear_line(credentials);
    EXPECT_NE(credentials.err.find("not connected"), std::string::npos) << credentials.err;
    ASSERT_SB_OK(sb({"services", "bind", "db", "-a", "web"}));
    auto bound = ok_json({"apps", "show", "web"});
    ASSERT_EQ(bound.at("services").as_array().size(), 1u);
    EXPECT_EQ(bound.at("services").at(0), service.at("id"));
    ASSERT_SB_OK(sb({"services", "unbind", "db", "-a", "web"}));
    EXPECT_TRUE(ok_json({"apps", "show", "web"}).at("services").as_array().empty());
    auto bad_type = sb({"services", "create", "q", "--type", "oracle"});
    EXPECT_EQ(bad_type.code, 1);
    EXPECT_NE(bad_type.err.find("type must be one of"), std::string::npos) << bad_type.err;

    // tokens and licence
    auto tokens = ok_json({"tokens", "list"});
    ASSERT_EQ(tokens.as_array().size(), 1u);
    EXPECT_TRUE(str(tokens.at(0), "name").starts_with("sb on ")) << str(tokens.at(0), "name");
    auto licence = ok_json({"licence"});
    EXPECT_EQ(licence.at("usage").at("clusters"), json::value(1));

    // sb push --path of a directory that is no git checkout, to an app without
    // a repository: packed (ignore files honoured) and uploaded; this server's
    // cluster has no operator connected, which the one error line says.
    auto site = ok_json({"apps", "create", "site", "--dockerfile", "Dockerfile"});
    EXPECT_FALSE(site.as_object().contains("git") && site.at("git").as_object().contains("url"));
    EXPECT_NE(sb({"apps", "show", "site"}).out.find("<uploads>"), std::string::npos);
    auto dir = scratch_->path() / "site-dir";
    std::filesystem::create_directories(dir / "node_modules");
    testenv::write_file(dir / "Dockerfile", "FROM busybox\n");
    testenv::write_file(dir / "index.html", "hello\n");
    testenv::write_file(dir / ".dockerignore", "node_modules\n");
    testenv::write_file(dir / "node_modules" / "huge.js", std::string(200000, 'x'));
    auto offline = sb({"push", "site", "--path", dir.string()});
    EXPECT_EQ(offline.code, 1) << offline.err;
    EXPECT_NE(offline.err.find("Uploading " + dir.string() + ": 3 files"), std::string::npos) << offline.err;
    EXPECT_NE(offline.err.find("(1 ignored)"), std::string::npos) << offline.err;
    expect_last_line_clear(offline);
    EXPECT_NE(offline.err.find("cluster is not connected"), std::string::npos) << offline.err;
    // Too large for this server (--source-upload-limit 65536): the limit is named.
    testenv::write_file(dir / "data.bin", testenv::random_hex(100000));
    auto too_big = sb({"push", "site", "--path", dir.string()});
    EXPECT_EQ(too_big.code, 1) << too_big.err;
    expect_last_line_clear(too_big);
    EXPECT_NE(too_big.err.find("source upload limit of 64 KiB"), std::string::npos) << too_big.err;
    // No such directory, a file, an image app, --image with --path: usage errors before anything is sent.
    auto no_dir = sb({"push", "site", "--path", (dir / "nope").string()});
    EXPECT_EQ(no_dir.code, 2);
    expect_one_clear_line(no_dir);
    EXPECT_NE(no_dir.err.find("no directory"), std::string::npos) << no_dir.err;
    EXPECT_EQ(sb({"push", "site", "--path", (dir / "Dockerfile").string()}).code, 2);
    EXPECT_EQ(sb({"push", "cache", "--path", dir.string()}).code, 2);
    EXPECT_EQ(sb({"push", "site", "--path", dir.string(), "--image", "redis:7"}).code, 2);
    // A plain push of an app without a repository says to push a directory.
    auto no_repo = sb({"push", "site"});
    EXPECT_EQ(no_repo.code, 2);
    EXPECT_NE(no_repo.err.find("sb push --path"), std::string::npos) << no_repo.err;
    EXPECT_TRUE(ok_json({"builds", "list", "-a", "site"}).as_array().empty()) << "no refused upload became a build";
    ASSERT_SB_OK(sb({"apps", "delete", "site"}));

    // the running app: scale, autoscale, stop/start, restart
    auto scaled = ok_json({"scale", "web", "--replicas", "2", "--memory-limit", "256Mi"});
    EXPECT_EQ(scaled.at("replicas"), json::value(2));
    EXPECT_EQ(str(scaled.at("resources").at("limits"), "memory"), "256Mi");
    auto bad_cpu = sb({"scale", "web", "--cpu-request", "lots"});
    EXPECT_EQ(bad_cpu.code, 1);
    expect_one_clear_line(bad_cpu);
    EXPECT_NE(bad_cpu.err.find("resources.requests.cpu"), std::string::npos) << bad_cpu.err;
    auto autoscaled = ok_json({"autoscale", "web", "--min", "2", "--max", "4", "--cpu-percent", "70"});
    EXPECT_EQ(autoscaled.at("autoscaling").at("maxReplicas"), json::value(4));
    EXPECT_EQ(autoscaled.at("autoscaling").at("targetCPUUtilizationPercentage"), json::value(70));
    EXPECT_EQ(ok_json({"stop", "web"}).at("stopped"), json::value(true));
    auto started = ok_json({"start", "web"});
    EXPECT_EQ(started.at("stopped"), json::value(false));
    EXPECT_EQ(started.at("replicas"), json::value(2));  // remembered across the stop
    EXPECT_TRUE(ok_json({"restart", "web"}).at("restartedAt").is_string());
    auto restart_line = sb({"restart", "web"});
    EXPECT_EQ(restart_line.out, "app/web restarting\n") << restart_line.err;

    // domains: the added host listed with its certificate state
    auto with_domain = ok_json({"domains", "add", "shop.example.com", "-a", "web"});
    EXPECT_EQ(with_domain.at("domains"), (json::array{"shop.example.com"}));
    auto domains = ok_json({"domains", "list", "-a", "web"});
    auto listed = std::find_if(domains.as_array().begin(), domains.as_array().end(),
                               [](const json::value& d) { return str(d, "host") == "shop.example.com"; });
    ASSERT_NE(listed, domains.as_array().end()) << json::serialize(domains);
    EXPECT_EQ(str(*listed, "certificate"), "pending");
    auto bad_host = sb({"domains", "add", "not a host", "-a", "web"});
    EXPECT_EQ(bad_host.code, 1);
    expect_one_clear_line(bad_host);
    ASSERT_SB_OK(sb({"domains", "remove", "shop.example.com", "-a", "web"}));

    // releases: every change above is one; none has an image before a build deployed
    auto releases = ok_json({"releases", "web"});
    ASSERT_GE(releases.as_array().size(), 4u) << json::serialize(releases);
    EXPECT_EQ(str(releases.at(0), "kind"), "domains");
    auto release_table = sb({"releases", "web"});
    EXPECT_TRUE(release_table.out.starts_with("RELEASE")) << release_table.out;
    auto no_image = sb({"rollback", "web", "1"});
    EXPECT_EQ(no_image.code, 1);
    expect_one_clear_line(no_image);
    EXPECT_NE(no_image.err.find("has no image"), std::string::npos) << no_image.err;
    EXPECT_EQ(sb({"rollback", "web", "zero"}).code, 2);

    // webhooks: the secret in the answer that makes it, never afterwards
    auto hook = ok_json({"webhooks", "enable", "-a", "web"});
    EXPECT_TRUE(str(hook, "url").starts_with(url() + "/api/v1/hooks/")) << json::serialize(hook);
    EXPECT_TRUE(str(hook, "secret").starts_with("sbw_")) << json::serialize(hook);
    EXPECT_EQ(str(hook, "branch"), "release");
    auto shown = ok_json({"webhooks", "show", "-a", "web"});
    EXPECT_EQ(str(shown, "url"), str(hook, "url"));
    EXPECT_FALSE(shown.as_object().contains("secret"));
    ASSERT_SB_OK(sb({"webhooks", "disable", "-a", "web"}));

    // delete
    ASSERT_SB_OK(sb({"services", "delete", "db"}));
    ASSERT_SB_OK(sb({"apps", "delete", "web"}));
    ASSERT_SB_OK(sb({"apps", "delete", "cache"}));
    EXPECT_TRUE(ok_json({"apps", "list"}).as_array().empty());
    ASSERT_SB_OK(sb({"projects", "delete", "shop"}));
    ASSERT_SB_OK(sb({"clusters", "delete", "c1"}));
    EXPECT_TRUE(ok_json({"clusters", "list"}).as_array().empty());
}

TEST_F(SbJourney, UnknownCommandsAndFlagsSuggestTheClosest) {
    auto command = sb({"aps", "list"});
    EXPECT_EQ(command.code, 2);
    expect_one_clear_line(command);
    EXPECT_NE(command.err.find("did you mean sb apps?"), std::string::npos) << command.err;
    auto sub = sb({"apps", "lsit"});
    EXPECT_EQ(sub.code, 2);
    EXPECT_NE(sub.err.find("did you mean sb apps list?"), std::string::npos) << sub.err;
    auto flag = sb({"apps", "list", "--tema", "x"});
    EXPECT_EQ(flag.code, 2);
    expect_one_clear_line(flag);
    EXPECT_NE(flag.err.find("did you mean --team?"), std::string::npos) << flag.err;
    auto format = sb({"apps", "list", "-o", "xml"}, {{"SB_SERVER", url()}, {"SB_TOKEN", "x"}});
    EXPECT_EQ(format.code, 2);
    expect_one_clear_line(format);
}

TEST_F(SbJourney, AServerThatIsDownIsOneLine) {
    int port = testenv::free_port();
    auto r = sb({"teams", "list"}, {{"SB_SERVER", "http://127.0.0.1:" + std::to_string(port)}, {"SB_TOKEN", "sbp_x"}});
    EXPECT_EQ(r.code, 5);
    EXPECT_EQ(r.err, "sb: cannot reach the server at http://127.0.0.1:" + std::to_string(port) +
                         ": connection refused (is the server running?)\n");
}

TEST_F(SbJourney, ARevokedTokenIsOneLineThatSaysToSignIn) {
    login();
    auto created = sb({"tokens", "create", "ci", "-q"});
    ASSERT_EQ(created.code, 0) << created.err;
    std::string token = created.out.substr(0, created.out.find('\n'));
    std::map<std::string, std::string> ci{{"SB_SERVER", url()}, {"SB_TOKEN", token}};
    EXPECT_EQ(sb({"teams", "list"}, ci).code, 0);
    ASSERT_SB_OK(sb({"tokens", "revoke", "ci"}));
    auto r = sb({"teams", "list"}, ci);
    EXPECT_EQ(r.code, 4);
    expect_one_clear_line(r);
    EXPECT_NE(r.err.find("run sb login " + url()), std::string::npos) << r.err;
}

TEST_F(SbJourney, LogoutRevokesTheTokenOnTheServer) {
    login();
    auto config = testenv::read_file(config_home() / "shapeblock" / "config.yaml");
    auto at = config.find("token: ") + 7;
    std::string token = config.substr(at, config.find('\n', at) - at);
    auto out = sb({"logout"});
    ASSERT_EQ(out.code, 0) << out.err;
    EXPECT_NE(out.out.find("token revoked"), std::string::npos) << out.out;
    auto r = sb({"teams", "list"}, {{"SB_SERVER", url()}, {"SB_TOKEN", token}});
    EXPECT_EQ(r.code, 4) << r.err;
    auto after = sb({"teams", "list"});
    EXPECT_EQ(after.code, 4);
    expect_one_clear_line(after);
}

TEST_F(SbJourney, AServerErrorIsOneLine) {
    std::string body = R"({"error":{"code":"internal","message":"internal error"}})";
    CannedResponder failing("HTTP/1.1 500 Internal Server Error\r\nContent-Type: application/json\r\nContent-Length: " +
                            std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body);
    std::string server = "http://127.0.0.1:" + std::to_string(failing.port());
    auto r = sb({"teams", "list"}, {{"SB_SERVER", server}, {"SB_TOKEN", "sbp_x"}});
    EXPECT_EQ(r.code, 1);
    expect_one_clear_line(r);
    EXPECT_NE(r.err.find("the server at " + server + " failed (HTTP 500)"), std::string::npos) << r.err;
    EXPECT_GE(failing.connections(), 1);
}

TEST_F(SbJourney, ATlsFailureIsOneLine) {
    CannedResponder plain("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
    std::string server = "https://127.0.0.1:" + std::to_string(plain.port());
    auto r = sb({"teams", "list"}, {{"SB_SERVER", server}, {"SB_TOKEN", "sbp_x"}});
    EXPECT_EQ(r.code, 5);
    expect_one_clear_line(r);
    EXPECT_TRUE(r.err.starts_with("sb: TLS with " + server + " failed: ")) << r.err;
}

TEST_F(SbJourney, ThePasswordPromptDoesNotEcho) {
    SbRun run{{"login", url(), "--email", kAdminEmail, "--name", "tty"}, {{"XDG_CONFIG_HOME", config_home().string()}}, {}, {}};
    bool typed = false;
    auto r = run_in_pty(SB_TEST_BINARY, run, [&](const std::string& seen) -> std::string {
        if (typed || seen.find("Password: ") == std::string::npos) return "";
        typed = true;
        return password_ + "\n";
    });
    EXPECT_TRUE(typed) << r.output;
    EXPECT_EQ(r.code, 0) << r.output;
    EXPECT_NE(r.output.find("Signed in"), std::string::npos) << r.output;
    EXPECT_EQ(r.output.find(password_), std::string::npos) << "the password was echoed: " << r.output;
}

TEST_F(SbJourney, ColoursOnATerminalOnlyAndNeverWithNoColor) {
    login();
    std::map<std::string, std::string> env{{"XDG_CONFIG_HOME", config_home().string()}, {"TERM", "xterm"}, {"NO_COLOR", ""}};
    auto tty = run_in_pty(SB_TEST_BINARY, {{"teams", "list"}, env, {}, {}});
    EXPECT_EQ(tty.code, 0) << tty.output;
    EXPECT_NE(tty.output.find("\033["), std::string::npos) << tty.output;
    env["NO_COLOR"] = "1";
    auto no_color = run_in_pty(SB_TEST_BINARY, {{"teams", "list"}, env, {}, {}});
    EXPECT_EQ(no_color.code, 0) << no_color.output;
    EXPECT_NE(no_color.output.find("default"), std::string::npos) << no_color.output;
    EXPECT_EQ(no_color.output.find("\033["), std::string::npos) << no_color.output;
    auto piped = sb({"teams", "list"}, {{"TERM", "xterm"}});
    EXPECT_EQ(piped.out.find("\033["), std::string::npos) << piped.out;
}

TEST_F(SbJourney, BashCompletionLoadsAndCompletes) {
    login();
    ASSERT_SB_OK(sb({"teams", "use", "default"}));
    ASSERT_SB_OK(sb({"clusters", "add", "cc"}));
    auto bin_dir = std::filesystem::path(SB_TEST_BINARY).parent_path().string();
    auto complete = [&](const std::string& words, int cword) {
        std::string script = "source <(sb completion bash) && COMP_WORDS=(" + words + ") && COMP_CWORD=" + std::to_string(cword) +
                             " && _sb_complete && printf '%s\\n' \"${COMPREPLY[@]}\"";
        auto r = testenv::run_command({"env", "PATH=" + bin_dir + ":/usr/bin:/bin", "XDG_CONFIG_HOME=" + config_home().string(),
                                       "bash", "-c", script});
        return r;
    };
    EXPECT_EQ(complete("sb ap", 1), "apps\n");
    EXPECT_EQ(complete("sb clusters sh", 2), "show\n");
    EXPECT_EQ(complete("sb clusters show ''", 3), "cc\n");  // names from the server
    EXPECT_EQ(complete("sb apps list --tea", 3), "--team\n");
    ASSERT_SB_OK(sb({"clusters", "delete", "cc"}));
}

TEST_F(SbJourney, HelpAndTheManPageComeFromTheCommandTree) {
    auto help = sb({"help", "apps", "create"});
    EXPECT_EQ(help.code, 0);
    EXPECT_NE(help.out.find("Examples:"), std::string::npos) << help.out;
    EXPECT_NE(help.out.find("--git"), std::string::npos) << help.out;
    auto root = sb({"--help"});
    EXPECT_NE(root.out.find("Exit codes:"), std::string::npos) << root.out;
    auto man = sb({"man"});
    EXPECT_TRUE(man.out.starts_with(".TH SB 1")) << man.out.substr(0, 100);
    EXPECT_NE(man.out.find(".SH EXIT STATUS"), std::string::npos);
    EXPECT_NE(man.out.find("sb services bind"), std::string::npos);
}

}  // namespace
}  // namespace sb::cli::testing
