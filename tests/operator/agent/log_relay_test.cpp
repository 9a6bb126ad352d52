#include "operator/agent/log_relay.hpp"

#include <gtest/gtest.h>

#include "agent/limits.hpp"

namespace sb::op::agent {
namespace {

TEST(LineChunker, SendsWholeLinesOnly) {
    LineChunker c;
    EXPECT_TRUE(c.feed("Step 1/3 : FROM alp").empty());
    auto chunks = c.feed("ine\nStep 2/3 : RUN make\nStep 3");
    ASSERT_EQ(chunks.size(), 1u);
    EXPECT_EQ(chunks[0], "Step 1/3 : FROM alpine\nStep 2/3 : RUN make\n");
    EXPECT_EQ(c.flush(), "Step 3");
    EXPECT_EQ(c.flush(), "");
}

TEST(LineChunker, NoChunkIsOverTheLimit) {
    LineChunker c;
    std::string line(1000, 'x');
    line += '\n';
    std::string many;
    for (int i = 0; i < 200; ++i) many += line;  // ~200 KB of lines
    std::size_t total = 0;
    for (const auto& chunk : c.feed(many)) {
        EXPECT_LE(chunk.size(), sb::agent::kMaxLogChunkBytes);
        EXPECT_EQ(chunk.back(), '\n');
        total += chunk.size();
    }
    EXPECT_EQ(total, many.size());
}

TEST(LineChunker, AnEndlessLineIsCutAtTheLimit) {
    LineChunker c;
    auto chunks = c.feed(std::string(sb::agent::kMaxLogChunkBytes * 2 + 10, 'y'));
    ASSERT_EQ(chunks.size(), 2u);
    EXPECT_EQ(chunks[0].size(), sb::agent::kMaxLogChunkBytes);
    EXPECT_EQ(c.flush().size(), 10u);
}

}  // namespace
}  // namespace sb::op::agent
