// src/kube/README.md shows readme_example.cpp verbatim (the file that
// kube_readme_example_test builds and runs), so the README's code compiles.
#include <gtest/gtest.h>

#include <filesystem>

#include "tests/support/scratch.hpp"

TEST(KubeReadme, ShowsTheCompiledControllerExampleVerbatim) {
    const std::filesystem::path source = SB_SOURCE_DIR;
    const auto readme = sb::testenv::read_file(source / "src/kube/README.md");
    const auto example = sb::testenv::read_file(source / "tests/kube/readme_example.cpp");
    ASSERT_FALSE(example.empty());
    EXPECT_NE(readme.find("```cpp\n" + example + "```\n"), std::string::npos)
        << "copy tests/kube/readme_example.cpp into the README's code block (or the other way round)";
}
