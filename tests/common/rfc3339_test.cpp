#include "common/rfc3339.hpp"

#include <gtest/gtest.h>

namespace sb {
namespace {

using std::chrono::microseconds;

TEST(Rfc3339, FormatsSecondsOrMicrosecondsInUtc) {
    const auto t = Clock::from_time_t(1710928800) + microseconds(123456);  // 2024-03-20T10:00:00.123456Z
    EXPECT_EQ(format_rfc3339(t), "2024-03-20T10:00:00Z");
    EXPECT_EQ(format_rfc3339(t, Precision::microseconds), "2024-03-20T10:00:00.123456Z");
    EXPECT_EQ(format_rfc3339(Clock::from_time_t(0), Precision::microseconds), "1970-01-01T00:00:00.000000Z");
}

TEST(Rfc3339, ParsesZuluOffsetsAndFractions) {
    const auto ten = Clock::from_time_t(1710928800);
    EXPECT_EQ(parse_rfc3339("2024-03-20T10:00:00Z"), ten);
    EXPECT_EQ(parse_rfc3339("2024-03-20t10:00:00z"), ten);
    EXPECT_EQ(parse_rfc3339("2024-03-20T12:00:00+02:00"), ten);
    EXPECT_EQ(parse_rfc3339("2024-03-20T07:30:00-02:30"), ten);
    EXPECT_EQ(parse_rfc3339("2024-03-20T10:00:00.5Z"), ten + microseconds(500000));
    EXPECT_EQ(parse_rfc3339("2024-03-20T10:00:00.123456789Z"), ten + microseconds(123456));
}

TEST(Rfc3339, RoundTrips) {
    const auto t = Clock::from_time_t(1893553445) + microseconds(42);
    EXPECT_EQ(parse_rfc3339(format_rfc3339(t, Precision::microseconds)), t);
    EXPECT_EQ(format_rfc3339(*parse_rfc3339("2024-03-20T12:00:00+02:00")), "2024-03-20T10:00:00Z");
}

TEST(Rfc3339, RefusesWhatIsNotATime) {
    for (const char* bad : {"", "yesterday", "2024-03-20", "2024-03-20T10:00:00", "2024-03-20T10:00:00Zjunk",
                            "2024-13-20T10:00:00Z", "2024-03-20T25:00:00Z", "2024-03-20T10:00:00.Z",
                            "2024-03-20T10:00:00+0200", "20240320T100000Z", "2024-03-20T10:00:00 Z"})
        EXPECT_FALSE(parse_rfc3339(bad).has_value()) << bad;
}

TEST(Rfc3339, NowIsRfc3339) {
    auto now = now_rfc3339();
    ASSERT_EQ(now.size(), 20u);
    EXPECT_EQ(now[4], '-');
    EXPECT_EQ(now[10], 'T');
    EXPECT_EQ(now.back(), 'Z');
}

}  // namespace
}  // namespace sb
