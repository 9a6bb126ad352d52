// The pure parts of sb push and sb version: joining the stored and the live
// build log, the git warnings, the compatibility warning.
#include <gtest/gtest.h>

#include "cli/build_follow.hpp"
#include "cli/git_checkout.hpp"
#include "cli/version.hpp"

namespace sb::cli {
namespace {

TEST(LogJoiner, DropsLiveChunksTheStoredLogHeld) {
    LogJoiner joiner("step 1\nstep 2\n");
    EXPECT_EQ(joiner.fresh("step 2\n"), "");
    EXPECT_EQ(joiner.fresh("step 3\n"), "step 3\n");
    EXPECT_EQ(joiner.fresh("step 2\n"), "step 2\n");  // once past, everything is new
}

TEST(LogJoiner, KeepsEverythingWhenNothingWasStored) {
    LogJoiner joiner("");
    EXPECT_EQ(joiner.fresh("a"), "a");
    EXPECT_EQ(joiner.fresh("a"), "a");
}

TEST(LogJoiner, KeepsAChunkTheStoredLogDoesNotHave) {
    LogJoiner joiner("old\n");
    EXPECT_EQ(joiner.fresh("new\n"), "new\n");
}

TEST(PushWarning, NamesWhatIsNotPushed) {
    GitState pushed{"aaaaaaaaaaaaaaaa", "main", "aaaaaaaaaaaaaaaa", false};
    EXPECT_EQ(push_warning(pushed, "main"), "");
    GitState ahead{"bbbbbbbbbbbbbbbb", "main", "aaaaaaaaaaaaaaaa", false};
    EXPECT_NE(push_warning(ahead, "main").find("not what is pushed"), std::string::npos);
    GitState no_upstream{"bbbbbbbbbbbbbbbb", "feature", "", false};
    EXPECT_NE(push_warning(no_upstream, "feature").find("no upstream"), std::string::npos);
    GitState other_branch{"aaaaaaaaaaaaaaaa", "feature", "aaaaaaaaaaaaaaaa", false};
    EXPECT_NE(push_warning(other_branch, "main").find("builds main"), std::string::npos);
    GitState dirty{"aaaaaaaaaaaaaaaa", "main", "aaaaaaaaaaaaaaaa", true};
    EXPECT_NE(push_warning(dirty, "main").find("uncommitted"), std::string::npos);
}

TEST(Compatibility, WarnsOnAnotherMajorOrApi) {
    EXPECT_EQ(compatibility_warning("0.1.0", "0.3.2", "v1"), "");
    EXPECT_NE(compatibility_warning("0.1.0", "1.0.0", "v1").find("major"), std::string::npos);
    EXPECT_NE(compatibility_warning("0.1.0", "0.1.0", "v2").find("API v2"), std::string::npos);
}

}  // namespace
}  // namespace sb::cli
