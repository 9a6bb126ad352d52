#include "cli/project_file.hpp"

#include <gtest/gtest.h>

#include "cli/cli_error.hpp"
#include "tests/support/scratch.hpp"

namespace sb::cli {
namespace {

TEST(ProjectFile, IsFoundInAParentDirectory) {
    testenv::ScratchDir dir("cli-project-file");
    testenv::write_file(dir / ".shapeblock.yaml", "team: acme\nproject: shop\napp: web\n");
    auto nested = dir / "src" / "deep";
    std::filesystem::create_directories(nested);
    auto found = find_project_file(nested);
    ASSERT_TRUE(found);
    EXPECT_EQ(found->team, "acme");
    EXPECT_EQ(found->project, "shop");
    EXPECT_EQ(found->app, "web");
    EXPECT_EQ(found->path, dir / ".shapeblock.yaml");
}

TEST(ProjectFile, TheNearestWins) {
    testenv::ScratchDir dir("cli-project-file");
    testenv::write_file(dir / ".shapeblock.yaml", "project: outer\n");
    std::filesystem::create_directories(dir / "inner");
    testenv::write_file(dir / "inner" / ".shapeblock.yaml", "app: api\n");
    auto found = find_project_file(dir / "inner");
    ASSERT_TRUE(found);
    EXPECT_EQ(found->app, "api");
    EXPECT_EQ(found->project, "");
}

TEST(ProjectFile, NoneIsNothing) {
    testenv::ScratchDir dir("cli-project-file");
    // The scratch dir lives under /tmp, which has no .shapeblock.yaml above it.
    EXPECT_FALSE(find_project_file(dir.path()));
}

TEST(ProjectFile, AnUnknownKeyIsNamed) {
    testenv::ScratchDir dir("cli-project-file");
    testenv::write_file(dir / ".shapeblock.yaml", "projekt: shop\n");
    try {
        find_project_file(dir.path());
        FAIL() << "accepted an unknown key";
    } catch (const CliError& e) {
        EXPECT_NE(std::string(e.what()).find("unknown key \"projekt\""), std::string::npos) << e.what();
        EXPECT_EQ(e.code(), ExitCode::usage);
    }
}

TEST(Scope, FlagsBeatEnvironmentBeatsFileBeatsContext) {
    EXPECT_EQ(pick({"flag", "env", "file", "context"}), "flag");
    EXPECT_EQ(pick({"", "env", "file", "context"}), "env");
    EXPECT_EQ(pick({"", "", "file", "context"}), "file");
    EXPECT_EQ(pick({"", "", "", "context"}), "context");
    EXPECT_EQ(pick({"", "", "", ""}), "");
}

}  // namespace
}  // namespace sb::cli
