#include <gtest/gtest.h>

#include "server/core/quantity.hpp"

namespace sb::server {
namespace {

Milli q(std::string_view text) {
    auto v = parse_quantity(text);
    EXPECT_TRUE(v.has_value()) << text;
    return v.value_or(-1);
}

TEST(Quantity, ParsesTheKubernetesSuffixes) {
    EXPECT_EQ(q("1"), 1000);
    EXPECT_EQ(q("500m"), 500);
    EXPECT_EQ(q("0.5"), 500);
    EXPECT_EQ(q(".5"), 500);
    EXPECT_EQ(q("1."), 1000);
    EXPECT_EQ(q("1.5"), 1500);
    EXPECT_EQ(q("2k"), 2'000'000);
    EXPECT_EQ(q("1Ki"), 1024'000);
    EXPECT_EQ(q("512Mi"), Milli{512} * 1024 * 1024 * 1000);
    EXPECT_EQ(q("1Gi"), (Milli{1} << 30) * 1000);
    EXPECT_EQ(q("1.5Gi"), (Milli{3} << 29) * 1000);
    EXPECT_EQ(q("1G"), Milli{1'000'000'000} * 1000);
    EXPECT_EQ(q("1E"), Milli{1'000'000'000'000'000'000} * 1000);
    EXPECT_EQ(q("1Ei"), (Milli{1} << 60) * 1000);
    EXPECT_EQ(q("1e3"), 1'000'000);
    EXPECT_EQ(q("1E3"), 1'000'000);
    EXPECT_EQ(q("2e-3"), 2);
    EXPECT_EQ(q("1e+2"), 100'000);
    EXPECT_EQ(q("0"), 0);
    EXPECT_EQ(q("0.000"), 0);
    EXPECT_EQ(q("007"), 7000);
}

TEST(Quantity, RoundsUpBelowAThousandth) {
    EXPECT_EQ(q("1u"), 1);       // a millionth: one thousandth, rounded up
    EXPECT_EQ(q("1n"), 1);
    EXPECT_EQ(q("1500u"), 2);
    EXPECT_EQ(q("0.0001"), 1);
    EXPECT_EQ(q("1e-40"), 1);
}

TEST(Quantity, RefusesWhatTheGrammarDoesNot) {
    for (std::string_view bad : {"", ".", "-1", "+1", "1.2.3", "1 Gi", "1gi", "1Gb", "1KiB", "Mi", "1e", "1e+", "1ee3", "1m5",
                                 "1Ki2", "abc", "1x", "1.5.Gi", "１"})
        EXPECT_FALSE(parse_quantity(bad).has_value()) << bad;
}

TEST(Quantity, RefusesAmountsNoClusterHas) {
    EXPECT_FALSE(parse_quantity("1e31").has_value());
    EXPECT_FALSE(parse_quantity("1e999").has_value());
    EXPECT_FALSE(parse_quantity("1e99999").has_value());
    EXPECT_FALSE(parse_quantity(std::string(40, '9')).has_value());
    EXPECT_FALSE(parse_quantity("999999999999999Ei").has_value());
    EXPECT_TRUE(parse_quantity("1e30").has_value());
    // Trailing fraction zeros add nothing.
    EXPECT_EQ(q("1." + std::string(60, '0')), 1000);
}

TEST(Quantity, FormatsForMessages) {
    EXPECT_EQ(format_cpu(q("2")), "2");
    EXPECT_EQ(format_cpu(q("250m")), "250m");
    EXPECT_EQ(format_cpu(q("1.5")), "1500m");
    EXPECT_EQ(format_memory(q("512Mi") * 6), "3Gi");
    EXPECT_EQ(format_memory(q("1536Mi")), "1536Mi");
    EXPECT_EQ(format_memory(q("1G")), "1G");
    EXPECT_EQ(format_memory(q("100")), "100");
    EXPECT_EQ(format_memory(q("0")), "0");
    EXPECT_EQ(format_memory(q("1500m")), "1500m");
}

TEST(Quantity, ParsesWhatItFormats) {
    for (std::string_view text : {"3Gi", "1536Mi", "7", "250m", "1G", "12k", "5Ei"}) {
        auto v = q(text);
        EXPECT_EQ(q(format_memory(v)), v) << text;
        EXPECT_EQ(q(format_cpu(v)), v) << text;
    }
}

}  // namespace
}  // namespace sb::server
