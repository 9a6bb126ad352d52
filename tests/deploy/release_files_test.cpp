// Static checks of files that cannot run here: the release workflow and the
// Containerfile must keep pointing at things that exist (build targets, the
// chart, the Containerfile), so a rename elsewhere breaks a test, not a release.
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <regex>
#include <set>

#include "tests/deploy/deploy_fixture.hpp"
#include "tests/support/scratch.hpp"

namespace sb::deploytest {
namespace {
namespace fs = std::filesystem;

std::set<std::string> executable_targets() {
    std::set<std::string> targets;
    const std::regex add_executable(R"(add_executable\(\s*([A-Za-z0-9_-]+))");
    for (const auto& entry : fs::recursive_directory_iterator(source_dir() / "src")) {
        if (entry.path().filename() != "CMakeLists.txt") continue;
        const auto text = testenv::read_file(entry.path());
        for (std::sregex_iterator it(text.begin(), text.end(), add_executable), end; it != end; ++it)
            targets.insert((*it)[1]);
    }
    return targets;
}

TEST(ReleaseWorkflow, BuildsExistingTargetsWithTheContainerfileAndPushesTheChart) {
    const auto workflow = YAML::LoadFile((source_dir() / ".github/workflows/release.yml").string());
    EXPECT_TRUE(workflow["on"]["push"]["tags"].IsSequence());
    const auto images = workflow["jobs"]["images"];
    ASSERT_TRUE(images.IsMap());
    const auto targets = executable_targets();
    const auto matrix = images["strategy"]["matrix"]["target"];
    ASSERT_EQ(matrix.size(), 2u);
    for (const auto& target : matrix) EXPECT_TRUE(targets.count(target.as<std::string>())) << target.as<std::string>();

    bool builds_both_arches = false;
    for (const auto& step : images["steps"]) {
        if (!step["with"] || !step["with"]["file"]) continue;
        EXPECT_TRUE(fs::exists(source_dir() / step["with"]["file"].as<std::string>()));
        builds_both_arches = step["with"]["platforms"].as<std::string>() == "linux/amd64,linux/arm64";
    }
    EXPECT_TRUE(builds_both_arches);

    std::string chart_script;
    for (const auto& step : workflow["jobs"]["chart"]["steps"])
        if (step["run"]) chart_script += step["run"].as<std::string>();
    EXPECT_NE(chart_script.find("helm push"), std::string::npos);
    EXPECT_NE(chart_script.find("oci://ghcr.io/"), std::string::npos);
    EXPECT_TRUE(fs::exists(source_dir() / "deploy/charts/shapeblock-operator/Chart.yaml"));
    const auto values = testenv::read_file(source_dir() / "deploy/charts/shapeblock-operator/values.yaml");
    EXPECT_NE(values.find("repository: ghcr.io/shapeblock/"), std::string::npos)
        << "the workflow rewrites this default image prefix";
}

TEST(Containerfile, BuildsADefaultTargetThatExistsAndRunsAsNonRoot) {
    const auto text = testenv::read_file(source_dir() / "deploy/Containerfile");
    std::smatch m;
    ASSERT_TRUE(std::regex_search(text, m, std::regex(R"(ARG TARGET=([A-Za-z0-9_-]+))")));
    EXPECT_EQ(m[1], "shapeblock-operator");
    EXPECT_TRUE(executable_targets().count(m[1]));
    EXPECT_NE(text.find("FROM debian:bookworm AS build"), std::string::npos);
    EXPECT_NE(text.find("FROM debian:bookworm-slim"), std::string::npos);
    EXPECT_NE(text.find("USER 65532:65532"), std::string::npos);
    // TARGET picks the final stage: one for each binary, the server's with the web UI.
    EXPECT_NE(text.find("FROM image-${TARGET}"), std::string::npos);
    for (const char* binary : {"shapeblock-operator", "shapeblock-server"}) {
        EXPECT_TRUE(executable_targets().count(binary)) << binary;
        EXPECT_NE(text.find(std::string("AS image-") + binary + "\n"), std::string::npos) << binary;
    }
    EXPECT_NE(text.find("COPY --from=ui /ui /usr/local/share/shapeblock/ui"), std::string::npos);
    // Every directory the build copies exists.
    const std::regex copy(R"(^COPY (?!--from)(\S+))", std::regex::multiline);
    int copies = 0;
    for (std::sregex_iterator it(text.begin(), text.end(), copy), end; it != end; ++it, ++copies)
        EXPECT_TRUE(fs::exists(source_dir() / (*it)[1].str())) << (*it)[1];
    EXPECT_GE(copies, 4);
}

}  // namespace
}  // namespace sb::deploytest
