// Issue 14 on the real node: `sb push --path DIR` of a directory that is not
// a git repository, with the real sb, server and operator. The directory is
// packed (its .gitignore honoured), uploaded, stored in the node's registry
// by the operator, fetched and unpacked by the build pod's source step (the
// operator's own image), built with buildah, deployed by the helm-controller
// stand-in, and sb exits 0 once the new release runs; the app's pod then
// answers HTTP with the directory's content. A second push of changed
// content replaces it. Prints push → exit 0 and push → HTTP times.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <iomanip>
#include <iostream>

#include "tests/cli/sb_runner.hpp"
#include "tests/e2e/support/api_stack.hpp"
#include "tests/e2e/support/node_layout.hpp"
#include "tests/e2e/support/plain_http.hpp"
#include "tests/e2e/support/test_app.hpp"

#if !defined(SB_E2E_OPERATOR) || !defined(SB_E2E_SERVER) || !defined(SB_E2E_SB)
#error "SB_E2E_OPERATOR, SB_E2E_SERVER and SB_E2E_SB must be the paths of the binaries"
#endif

namespace sb::e2e {
namespace {
namespace json = boost::json;
namespace fs = std::filesystem;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

constexpr const char* kProject = "uploads";
constexpr const char* kApp = "site";

double seconds_since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

class PushPath : public ::testing::Test {
protected:
    static void SetUpTestSuite() { stack_ = std::make_unique<ApiStack>("push-path", SB_E2E_SERVER, SB_E2E_OPERATOR, true); }
    static void TearDownTestSuite() { stack_.reset(); }

    static cli::testing::SbResult sb(std::vector<std::string> args, std::string input = {}) {
        cli::testing::SbRun run{std::move(args),
                                {{"XDG_CONFIG_HOME", (RealNode::shared().work_dir() / "sb-config").string()},
                                 {"SB_SERVER", ""}, {"SB_TOKEN", ""}, {"NO_COLOR", "1"}},
                                std::move(input), {}};
        return cli::testing::run_sb(SB_E2E_SB, run);
    }
    // The app's running, ready pods' answers on port 8080 ("" while there is none).
    static std::string served() {
        const auto pods = RealNode::shared().api().get("/api/v1/namespaces/" + std::string(kProject) +
                                                       "/pods?labelSelector=shapeblock.io%2Fapp%3D" + kApp);
        std::string out;
        for (const auto& pod : pods.at("items").as_array()) {
            if (!string_at(pod, {"metadata", "labels", "shapeblock.io/build"}).empty()) continue;
            if (pod.at("metadata").as_object().if_contains("deletionTimestamp")) continue;
            if (string_at(pod, {"status", "phase"}) != "Running") continue;
            const auto answer = http_get(string_at(pod, {"status", "podIP"}), kTestAppPort, "/");
            if (answer.status == 200) out += answer.body;
        }
        return out;
    }
    // A directory like a user's, never a git checkout.
    static fs::path directory(const std::string& content) {
        const auto dir = RealNode::shared().work_dir() / ("site-" + content);
        fs::create_directories(dir / "logs");
        for (const auto& [name, text] : test_app_files(RealNode::shared().base_image_in_registry(), content))
            testenv::write_file(dir / name, text);
        testenv::write_file(dir / ".gitignore", "logs/\n");
        testenv::write_file(dir / "logs" / "debug.log", "not uploaded\n");
        return dir;
    }
    static void push_and_serve(const std::string& content) {
        const auto dir = directory(content);
        EXPECT_FALSE(fs::exists(dir / ".git"));
        const auto start = Clock::now();
        auto pushed = sb({"push", "-p", kProject, "-a", kApp, "--path", dir.string(), "--timeout", "600"});
        const double push_seconds = seconds_since(start);
        ASSERT_EQ(pushed.code, 0) << pushed.err << stack_->describe();
        EXPECT_NE(pushed.err.find("Uploading " + dir.string() + ": 3 files"), std::string::npos) << pushed.err;  // and .gitignore
        EXPECT_NE(pushed.err.find("(1 ignored)"), std::string::npos) << pushed.err;
        EXPECT_NE(pushed.out.find("app/site is running"), std::string::npos) << pushed.out;
        wait_until("the app serving " + content, 120s, [&] { return served() == content + "\n"; },
                   [&] { return "serving: '" + served() + "'" + stack_->describe(); });
        std::cout << std::fixed << std::setprecision(1) << "timing push --path (" << content << "): sb push exit 0 after " << push_seconds
                  << " s; serving after " << seconds_since(start) << " s" << std::endl;
    }

    static inline std::unique_ptr<ApiStack> stack_;
};

TEST_F(PushPath, ADirectoryThatIsNoGitRepositoryIsBuiltDeployedAndAnswers) {
    stack_->wait_connected(90s);
    auto login = sb({"login", stack_->server().url(), "--email", "admin@e2e.test", "--password-stdin"},
                    stack_->server().admin_password() + "\n");
    ASSERT_EQ(login.code, 0) << login.err;
    auto project = sb({"projects", "create", kProject, "--cluster", "e2e-push-path"});
    ASSERT_EQ(project.code, 0) << project.err;
    auto app = sb({"apps", "create", kApp, "-p", kProject, "--dockerfile", "Dockerfile"});
    ASSERT_EQ(app.code, 0) << app.err;
    push_and_serve("uploaded-one");

    // The upload is in the node's registry, next to the image built from it.
    auto builds = json::parse(sb({"builds", "list", "-p", kProject, "-a", kApp, "-o", "json"}).out).as_array();
    ASSERT_EQ(builds.size(), 1u);
    const auto digest = std::string(builds.at(0).at("source").at("digest").as_string());
    const auto blob = http_get(RealNode::shared().bridge_address(), layout::kRegistryPort,
                               "/v2/" + std::string(kProject) + "/" + kApp + "/source/blobs/" + digest);
    EXPECT_EQ(blob.status, 200) << blob.body << blob.error;
    EXPECT_TRUE(blob.body.starts_with("\x1f\x8b")) << "the gzip archive as uploaded";

    push_and_serve("uploaded-two");
}

}  // namespace
}  // namespace sb::e2e
