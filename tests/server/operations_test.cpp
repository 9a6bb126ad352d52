// Operations: HTTPS serving (the session cookie is Secure only under TLS),
// configuration from a file with its precedence against flags and the
// environment, and sign-in rate limiting per client IP.
#include <gtest/gtest.h>

#include <boost/json/serialize.hpp>
#include <thread>

#include "tests/support/child_process.hpp"
#include "tests/support/scratch.hpp"
#include "tests/server/server_fixture.hpp"

namespace sb::server::testing {
namespace {
namespace json = boost::json;
using namespace std::chrono_literals;

json::object admin_login() { return {{"email", kAdminEmail}, {"password", kAdminPassword}}; }

// A self-signed certificate for 127.0.0.1.
struct TestCertificate {
    TestCertificate() : dir("sb-tls") {
        cert = (dir.path() / "tls.crt").string();
        key = (dir.path() / "tls.key").string();
        sb::testenv::run_command({"openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                                  "-nodes", "-keyout", key, "-out", cert, "-days", "2", "-subj", "/CN=127.0.0.1",
                                  "-addext", "subjectAltName=IP:127.0.0.1"});
        pem = sb::testenv::read_file(cert);
    }
    sb::testenv::ScratchDir dir;
    std::string cert, key, pem;
};

TEST(Tls, ServesHttpsAndMarksTheSessionCookieSecure) {
    TestCertificate tls;
    TestServer server(Backend::sqlite, [&](Config& c) {
        c.tls_cert_file = tls.cert;
        c.tls_key_file = tls.key;
    });
    ApiClient client(server.port());
    client.tls_ca_pem = tls.pem;
    auto login = client.post("/api/v1/auth/login", admin_login());
    ASSERT_EQ(login.status, 200) << login.body;
    auto cookie = login.header("set-cookie");
    EXPECT_NE(cookie.find("; Secure"), std::string::npos) << cookie;
    EXPECT_NE(cookie.find("HttpOnly"), std::string::npos) << cookie;
    // The cookie works over HTTPS.
    client.cookie = cookie.substr(0, cookie.find(';'));
    EXPECT_EQ(client.get("/api/v1/me").status, 200);
    // No plain-HTTP answer on the TLS port.
    EXPECT_ANY_THROW(ApiClient(server.port()).get("/healthz"));
}

TEST(Tls, PlainHttpCookieIsNotSecure) {
    TestServer server(Backend::sqlite);
    auto login = server.anonymous().post("/api/v1/auth/login", admin_login());
    ASSERT_EQ(login.status, 200) << login.body;
    EXPECT_EQ(login.header("set-cookie").find("Secure"), std::string::npos);
}

TEST(Tls, MismatchedCertificateOptionsAreRefused) {
    TestCertificate tls;
    sb::testenv::ScratchDir dir("sb-tls-half");
    EXPECT_THROW(sb::testenv::run_command({SB_SERVER_BINARY, "--data-dir", dir.path().string(), "--tls-cert", tls.cert,
                                           "--port", std::to_string(sb::testenv::free_port())}),
                 std::runtime_error);
}

class ConfigFile : public ::testing::Test {
protected:
    // Starts the binary with a config file and extra arguments/environment; returns the port it answers on.
    int start(const std::string& file_text, std::vector<std::string> args, std::map<std::string, std::string> env,
              std::vector<int> candidate_ports) {
        auto file = (dir.path() / "server.conf").string();
        sb::testenv::write_file(file, file_text);
        std::vector<std::string> argv{SB_SERVER_BINARY, "--config", file};
        argv.insert(argv.end(), args.begin(), args.end());
        env.insert({{"SB_ADMIN_EMAIL", kAdminEmail}, {"SB_ADMIN_PASSWORD", kAdminPassword}, {"SB_TEST_FAST_HASHING", "1"}});
        process = sb::testenv::ChildProcess({argv, (dir.path() / "server.log").string(), env, ""});
        auto deadline = std::chrono::steady_clock::now() + 30s;
        while (std::chrono::steady_clock::now() < deadline && process.running()) {
            for (int port : candidate_ports) {
                try {
                    if (ApiClient(port).get("/readyz").status == 200) return port;
                } catch (const std::exception&) {
                }
            }
            std::this_thread::sleep_for(50ms);
        }
        throw std::runtime_error("server did not start:\n" + process.log_tail());
    }
    sb::testenv::ScratchDir dir{"sb-config"};
    sb::testenv::ChildProcess process;
};

TEST_F(ConfigFile, SettingsComeFromTheFile) {
    int port = sb::testenv::free_port();
    auto data = (dir.path() / "data-from-file").string();
    std::string text = "port = " + std::to_string(port) + "\ndata-dir = \"" + data + "\"\nlog-level = \"warn\"\n";
    EXPECT_EQ(start(text, {}, {}, {port}), port);
    EXPECT_TRUE(std::filesystem::exists(data + "/shapeblock.db"));
    EXPECT_EQ(ApiClient(port).post("/api/v1/auth/login", admin_login()).status, 200);
}

TEST_F(ConfigFile, FlagBeatsFileAndFileBeatsEnvironment) {
    int file_port = sb::testenv::free_port(), env_port = sb::testenv::free_port(), flag_port = sb::testenv::free_port();
    auto data = (dir.path() / "data").string();
    std::string text = "port = " + std::to_string(file_port) + "\ndata-dir = \"" + data + "\"\n";
    std::map<std::string, std::string> env{{"SB_PORT", std::to_string(env_port)}};
    EXPECT_EQ(start(text, {}, env, {file_port, env_port}), file_port);
    process.stop();
    EXPECT_EQ(start(text, {"--port", std::to_string(flag_port)}, env, {file_port, env_port, flag_port}), flag_port);
}

TEST_F(ConfigFile, UnknownKeyIsAnError) {
    auto file = (dir.path() / "typo.conf").string();
    sb::testenv::write_file(file, "prot = 8080\n");
    try {
        sb::testenv::run_command({SB_SERVER_BINARY, "--config", file, "migrate"});
        FAIL() << "a misspelt key was accepted";
    } catch (const std::runtime_error& e) {
        EXPECT_NE(std::string(e.what()).find("prot"), std::string::npos) << e.what();
    }
}

TEST(LoginRateLimit, FailuresFromOneAddressBlockItButNotOthers) {
    TestServer server(Backend::sqlite, [](Config& c) {
        c.login_failures_per_ip = 3;
        c.login_failures_per_account = 100;
    });
    ApiClient attacker(server.port());
    // Different accounts each time: only the per-IP limit can stop this.
    for (int i = 0; i < 3; ++i) {
        auto r = attacker.post("/api/v1/auth/login", json::object{{"email", "guess" + std::to_string(i) + "@example.test"},
                                                                   {"password", "wrong-password"}});
        EXPECT_EQ(r.status, 401) << r.body;
    }
    auto blocked = attacker.post("/api/v1/auth/login", admin_login());
    EXPECT_EQ(blocked.status, 429) << blocked.body;
    EXPECT_EQ(blocked.error_code(), "rate_limited");
    EXPECT_GT(std::stoi(blocked.header("retry-after")), 0);
    // A forwarded-for header does not get around it: the peer address counts.
    auto spoofed = attacker.post("/api/v1/auth/login", admin_login(), {{"X-Forwarded-For", "203.0.113.9"}});
    EXPECT_EQ(spoofed.status, 429);
    // Another client address signs in.
    ApiClient neighbour(server.port());
    neighbour.source_ip = "127.0.0.2";
    EXPECT_EQ(neighbour.post("/api/v1/auth/login", admin_login()).status, 200);
}

}  // namespace
}  // namespace sb::server::testing
