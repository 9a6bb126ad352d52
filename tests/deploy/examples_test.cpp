// The repository's examples/ and the documents a user reads: the design's
// custom resources are kept byte-for-byte (they are the contract), the
// walk-through names only files that exist, and no relative link in the
// user-facing documents points at something missing or outside the
// repository (a clone has no ../shared).
#include <gtest/gtest.h>

#include <filesystem>
#include <regex>
#include <set>

#include "tests/deploy/deploy_fixture.hpp"
#include "tests/support/scratch.hpp"

namespace sb::deploytest {
namespace {
namespace fs = std::filesystem;

std::set<std::string> yaml_files(const fs::path& dir) {
    std::set<std::string> names;
    for (const auto& entry : fs::directory_iterator(dir))
        if (entry.path().extension() == ".yaml") names.insert(entry.path().filename().string());
    return names;
}

TEST(Examples, AreByteForByteCopiesOfTheDesignExamples) {
    if (!fs::is_directory(shared_examples_dir()))
        GTEST_SKIP() << "no " << shared_examples_dir() << " beside the checkout";
    const auto originals = yaml_files(shared_examples_dir());
    ASSERT_FALSE(originals.empty());
    for (const auto& name : originals) {
        ASSERT_TRUE(fs::exists(examples_dir() / name)) << "examples/" << name << " is missing";
        EXPECT_EQ(testenv::read_file(examples_dir() / name), testenv::read_file(shared_examples_dir() / name))
            << "examples/" << name << " differs from the design's " << (shared_examples_dir() / name);
    }
}

TEST(Examples, TheWalkThroughUsesEveryExampleAndOnlyExistingOnes) {
    const auto walk_through = testenv::read_file(examples_dir() / "README.md");
    const std::regex mentioned(R"(examples/([A-Za-z0-9_.-]+\.yaml))");
    std::set<std::string> used;
    for (std::sregex_iterator it(walk_through.begin(), walk_through.end(), mentioned), end; it != end; ++it)
        used.insert((*it)[1]);
    EXPECT_EQ(used, yaml_files(examples_dir()));
}

// Markdown links [text](target) that are not URLs or anchors.
std::vector<std::string> relative_links(const std::string& markdown) {
    std::vector<std::string> links;
    const std::regex link(R"(\]\(([^)\s]+)\))");
    for (std::sregex_iterator it(markdown.begin(), markdown.end(), link), end; it != end; ++it) {
        std::string target = (*it)[1];
        if (target.starts_with("http://") || target.starts_with("https://") || target.starts_with("#") ||
            target.starts_with("mailto:"))
            continue;
        links.push_back(target.substr(0, target.find('#')));
    }
    return links;
}

TEST(UserDocs, RelativeLinksResolveInsideTheRepository) {
    const auto root = fs::weakly_canonical(source_dir());
    std::vector<fs::path> documents{root / "README.md", root / "examples/README.md", root / "src/kube/README.md",
                                    root / "deploy/README.md"};
    for (const auto& entry : fs::recursive_directory_iterator(root / "docs"))
        if (entry.path().extension() == ".md") documents.push_back(entry.path());
    for (const auto& document : documents) {
        ASSERT_TRUE(fs::exists(document)) << document;
        for (const auto& link : relative_links(testenv::read_file(document))) {
            const auto target = fs::weakly_canonical(document.parent_path() / link);
            const auto inside = fs::relative(target, root).string();
            EXPECT_FALSE(inside.starts_with("..")) << document << " links outside the repository: " << link;
            EXPECT_TRUE(fs::exists(target)) << document << " links to a missing " << link;
        }
    }
}

}  // namespace
}  // namespace sb::deploytest
