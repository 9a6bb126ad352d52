#include "kube/line_splitter.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace sb::kube {
namespace {

std::vector<std::string> feed_all(LineSplitter& s, const std::vector<std::string>& chunks) {
    std::vector<std::string> lines;
    for (const auto& c : chunks) s.feed(c, [&](std::string_view l) { lines.emplace_back(l); });
    return lines;
}

TEST(LineSplitter, SplitsLinesAcrossArbitraryChunkBoundaries) {
    const std::string stream = "{\"a\":1}\n{\"b\":2}\r\n\n{\"c\":3}\n";
    for (std::size_t cut = 0; cut <= stream.size(); ++cut) {
        LineSplitter s;
        auto lines = feed_all(s, {stream.substr(0, cut), stream.substr(cut)});
        ASSERT_EQ(lines, (std::vector<std::string>{"{\"a\":1}", "{\"b\":2}", "{\"c\":3}"})) << "cut at " << cut;
        EXPECT_TRUE(s.pending().empty());
    }
}

TEST(LineSplitter, ByteByByteFeedKeepsIncompleteTail) {
    LineSplitter s;
    std::vector<std::string> lines;
    for (char c : std::string("one\ntwo\nthr")) s.feed(std::string_view(&c, 1), [&](std::string_view l) { lines.emplace_back(l); });
    EXPECT_EQ(lines, (std::vector<std::string>{"one", "two"}));
    EXPECT_EQ(s.pending(), "thr");
}

TEST(LineSplitter, RejectsLinesBeyondLimit) {
    LineSplitter s(8);
    EXPECT_THROW(s.feed("0123456789", [](std::string_view) {}), std::length_error);
    LineSplitter t(8);
    t.feed("01234", [](std::string_view) {});
    EXPECT_THROW(t.feed("56789\n", [](std::string_view) {}), std::length_error);
}

TEST(LineSplitter, ManyEventsKeepBufferSmall) {
    LineSplitter s;
    std::size_t count = 0;
    const std::string event = std::string(200, 'x') + "\n";
    for (int i = 0; i < 10000; ++i) s.feed(event.substr(0, 150), [&](std::string_view) { ++count; }), s.feed(event.substr(150), [&](std::string_view) { ++count; });
    EXPECT_EQ(count, 10000u);
    EXPECT_LT(s.buffered_capacity(), 4096u);
}

}  // namespace
}  // namespace sb::kube
