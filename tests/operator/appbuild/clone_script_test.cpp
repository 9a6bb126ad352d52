// Runs the real clone script (busybox sh, as in alpine/git) against local
// git repositories, with the pod paths redirected into a scratch directory.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <sys/wait.h>

#include "operator/appbuild/build_scripts.hpp"

namespace fs = std::filesystem;

namespace {

std::string read(const fs::path& p) {
    std::ifstream in(p);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

void replace_all(std::string& s, const std::string& from, const std::string& to) {
    for (std::size_t pos = 0; (pos = s.find(from, pos)) != std::string::npos; pos += to.size()) s.replace(pos, from.size(), to);
}

int run(const std::string& cmd) {
    int rc = std::system(cmd.c_str());
    return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

class CloneScript : public ::testing::Test {
protected:
    void SetUp() override {
        if (run("command -v busybox >/dev/null && command -v git >/dev/null") != 0) GTEST_SKIP() << "needs busybox and git";
        root_ = fs::temp_directory_path() / ("sb-clone-" + std::to_string(::getpid()) + "-" +
                                              ::testing::UnitTest::GetInstance()->current_test_info()->name());
        fs::remove_all(root_);
        fs::create_directories(root_ / "repo");
        const auto repo = (root_ / "repo").string();
        ASSERT_EQ(run("cd " + repo + " && git init -q -b main && git config user.email t@e && git config user.name t"
                      " && mkdir -p web && echo 'FROM scratch' > web/Dockerfile && echo hi > README"
                      " && git add -A && git commit -q -m one && git tag v1"
                      " && echo two > README && git commit -q -am two"),
                  0);
        std::string script(sb::op::appbuild::scripts::clone);
        replace_all(script, "/workspace", (root_ / "ws").string());
        replace_all(script, "/dev/termination-log", (root_ / "termination-log").string());
        replace_all(script, "/etc/shapeblock/git", (root_ / "creds").string());
        std::ofstream(root_ / "clone.sh") << script;
    }
    void TearDown() override {
        if (!root_.empty()) fs::remove_all(root_);
    }

    int clone(const std::string& ref, const std::string& type, const std::string& context = "",
              const std::string& extra_env = "") {
        fs::remove_all(root_ / "ws");
        fs::remove(root_ / "termination-log");
        std::string env = "HOME=" + (root_ / "ws/.sb/home").string() + " GIT_URL=file://" + (root_ / "repo").string() +
                          " GIT_REF='" + ref + "' CONTEXT_PATH='" + context + "' DOCKERFILE='' BUILD_TYPE=" + type +
                          " IMAGE_REPOSITORY=reg/p/app IMAGE_TAG='' BUILD_VAR_KEYS='' " + extra_env;
        return run("env -i PATH=/usr/bin:/bin GIT_CONFIG_NOSYSTEM=1 " + env + " busybox sh " + (root_ / "clone.sh").string() +
                   " >" + (root_ / "log").string() + " 2>&1");
    }
    std::string head(const std::string& rev) {
        std::string out = (root_ / "rev").string();
        run("git -C " + (root_ / "repo").string() + " rev-parse " + rev + " > " + out);
        auto s = read(out);
        return s.substr(0, s.find('\n'));
    }
    std::string termination() { return read(root_ / "termination-log"); }
    std::string log() { return read(root_ / "log"); }

    fs::path root_;
};

}  // namespace

TEST_F(CloneScript, BranchIsClonedAndCommitRecorded) {
    ASSERT_EQ(clone("main", "detect", "web"), 0) << log();
    const auto sha = head("main");
    EXPECT_EQ(termination(), "commit=" + sha + "\ntype=dockerfile\nimage=reg/p/app:" + sha.substr(0, 12) + "\n");
    EXPECT_EQ(read(root_ / "ws/.sb/image"), "reg/p/app:" + sha.substr(0, 12) + "\n");
}

TEST_F(CloneScript, TagAndCommitRefsResolve) {
    ASSERT_EQ(clone("v1", "dockerfile", "web"), 0) << log();
    EXPECT_NE(termination().find("commit=" + head("v1^{commit}")), std::string::npos);
    const auto first = head("main~1");
    ASSERT_EQ(clone(first, "dockerfile", "web"), 0) << log();
    EXPECT_NE(termination().find("commit=" + first), std::string::npos);
    ASSERT_EQ(clone(first.substr(0, 8), "dockerfile", "web"), 0) << log();
    EXPECT_NE(termination().find("commit=" + first), std::string::npos);
}

TEST_F(CloneScript, DefaultBranchWhenNoRef) {
    ASSERT_EQ(clone("", "detect"), 0) << log();
    EXPECT_NE(termination().find("commit=" + head("main")), std::string::npos);
    // No Dockerfile at the repository root: buildpack.
    EXPECT_NE(termination().find("type=buildpack"), std::string::npos);
}

TEST_F(CloneScript, UnknownRefExitsWithRefNotFound) {
    EXPECT_EQ(clone("no-such-branch", "detect"), 11) << log();
    EXPECT_NE(log().find("shapeblock: clone failed"), std::string::npos);
    EXPECT_EQ(clone("0123456789abcdef0123456789abcdef01234567", "detect"), 11) << log();
}

TEST_F(CloneScript, MissingDockerfileOrContextIsReported) {
    EXPECT_EQ(clone("main", "dockerfile"), 14) << log();
    EXPECT_NE(log().find("no Dockerfile at 'Dockerfile'"), std::string::npos);
    EXPECT_EQ(clone("main", "detect", "nope"), 14) << log();
}

TEST_F(CloneScript, BuildVarsBecomePlatformEnvFilesForBuildpacks) {
    ASSERT_EQ(clone("main", "buildpack", "", "BUILD_VAR_KEYS='NODE_ENV my.flag' SBV_0=production SBV_1='a b\"$(x)'"), 0)
        << log();
    EXPECT_EQ(read(root_ / "ws/platform/env/NODE_ENV"), "production");
    EXPECT_EQ(read(root_ / "ws/platform/env/my.flag"), "a b\"$(x)");
}

TEST_F(CloneScript, MissingRepositoryIsAGitError) {
    fs::remove_all(root_ / "repo");
    int rc = clone("main", "detect");
    EXPECT_TRUE(rc == 10 || rc == 13) << rc << "\n" << log();
}

TEST_F(CloneScript, ABranchResolvedToACommitBuiltBeforeIsReused) {
    const auto sha = head("main");
    const auto older = head("main~1");
    // The branch now points at a commit built before: reported, and the builders are told to skip.
    ASSERT_EQ(clone("main", "detect", "web", "REUSABLE_COMMITS='" + older + " " + sha + "'"), 0) << log();
    EXPECT_EQ(termination(), "commit=" + sha + "\nreuse=true\n");
    EXPECT_EQ(read(root_ / "ws/.sb/type"), "reuse\n");
    // A commit not in the list is built as usual.
    ASSERT_EQ(clone("main", "detect", "web", "REUSABLE_COMMITS='" + older + "'"), 0) << log();
    EXPECT_EQ(termination(), "commit=" + sha + "\ntype=dockerfile\nimage=reg/p/app:" + sha.substr(0, 12) + "\n");
}

TEST_F(CloneScript, AnUploadedSourceIsBuiltAsUnpackedWithItsDigestAsTheCommit) {
    const std::string digest = "sha256:" + std::string(64, 'a');
    // What the source step leaves: the upload unpacked where a clone would be.
    auto unpack = [&] {
        fs::remove_all(root_ / "ws");
        fs::create_directories(root_ / "ws/src/web");
        std::ofstream(root_ / "ws/src/web/Dockerfile") << "FROM scratch\n";
    };
    auto build_upload = [&](const std::string& type, const std::string& context, const std::string& extra_env = "") {
        fs::remove(root_ / "termination-log");
        std::string env = "HOME=" + (root_ / "ws/.sb/home").string() + " GIT_URL='' GIT_REF='' SOURCE_DIGEST=" + digest +
                          " CONTEXT_PATH='" + context + "' DOCKERFILE='' BUILD_TYPE=" + type +
                          " IMAGE_REPOSITORY=reg/p/app IMAGE_TAG='' BUILD_VAR_KEYS='' " + extra_env;
        return run("env -i PATH=/usr/bin:/bin " + env + " busybox sh " + (root_ / "clone.sh").string() + " >" + (root_ / "log").string() +
                   " 2>&1");
    };
    unpack();
    ASSERT_EQ(build_upload("detect", "web"), 0) << log();
    EXPECT_EQ(termination(), "commit=" + digest + "\ntype=dockerfile\nimage=reg/p/app:src-aaaaaaaaaaaa\n");
    EXPECT_NE(log().find("building from the upload sha256:aaaaaaaaaaaa"), std::string::npos) << log();
    EXPECT_FALSE(fs::exists(root_ / "ws/src/.git")) << "nothing is cloned";

    unpack();
    ASSERT_EQ(build_upload("detect", "web", "REUSABLE_COMMITS='" + digest + "'"), 0) << log();
    EXPECT_EQ(termination(), "commit=" + digest + "\nreuse=true\n");

    unpack();
    EXPECT_EQ(build_upload("dockerfile", ""), 14) << log();
    EXPECT_NE(log().find("no Dockerfile at 'Dockerfile' in the upload sha256:aaaaaaaaaaaa"), std::string::npos) << log();

    fs::remove_all(root_ / "ws");
    EXPECT_EQ(build_upload("detect", ""), 14) << log();
    EXPECT_NE(log().find("was not unpacked"), std::string::npos) << log();
}
