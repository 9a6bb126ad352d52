// Query strings and percent-decoding.
#include <gtest/gtest.h>

#include "server/http/message.hpp"

namespace sb::server {
namespace {

TEST(Query, PercentDecoding) {
    auto q = parse_query("a=1&b=x%20y&c=%zz&d");
    EXPECT_EQ(q.at("a"), "1");
    EXPECT_EQ(q.at("b"), "x y");
    EXPECT_FALSE(q.contains("c"));
    EXPECT_EQ(q.at("d"), "");
    EXPECT_FALSE(percent_decode("%4").has_value());
    EXPECT_EQ(*percent_decode("%2e%2E"), "..");
}

}  // namespace
}  // namespace sb::server
