#include "cli/suggest.hpp"

#include <gtest/gtest.h>

namespace sb::cli {
namespace {

TEST(EditDistance, CountsInsertionsDeletionsSubstitutionsAndTranspositions) {
    EXPECT_EQ(edit_distance("apps", "apps"), 0u);
    EXPECT_EQ(edit_distance("aps", "apps"), 1u);
    EXPECT_EQ(edit_distance("appss", "apps"), 1u);
    EXPECT_EQ(edit_distance("opps", "apps"), 1u);
    EXPECT_EQ(edit_distance("pasp", "apps"), 2u);
    EXPECT_EQ(edit_distance("lsit", "list"), 1u);  // one transposition
    EXPECT_EQ(edit_distance("", "abc"), 3u);
}

TEST(Closest, SuggestsTheNearestCommand) {
    std::vector<std::string> commands{"apps", "builds", "clusters", "projects", "push", "services"};
    EXPECT_EQ(closest("aps", commands), "apps");
    EXPECT_EQ(closest("biulds", commands), "builds");
    EXPECT_EQ(closest("pushh", commands), "push");
    EXPECT_EQ(closest("projcets", commands), "projects");
}

TEST(Closest, SuggestsNothingForAFarWord) {
    std::vector<std::string> commands{"apps", "builds", "push"};
    EXPECT_FALSE(closest("kubernetes", commands));
    EXPECT_FALSE(closest("", commands));
}

TEST(Closest, CompletesAPrefix) {
    std::vector<std::string> flags{"--team", "--project", "--reveal"};
    EXPECT_EQ(closest("--rev", flags), "--reveal");
    EXPECT_EQ(closest("--tema", flags), "--team");
}

}  // namespace
}  // namespace sb::cli
