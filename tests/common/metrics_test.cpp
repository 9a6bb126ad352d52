#include "common/metrics.hpp"

#include <gtest/gtest.h>

#include <thread>

namespace sb::metrics {
namespace {

TEST(Metrics, CounterFamiliesRenderWithLabels) {
    Registry registry;
    auto& family = registry.counter("sb_test_total", "A test counter", {"controller", "result"});
    family.with({"app", "success"}).inc();
    family.with({"app", "success"}).inc(2);
    family.with({"app", "error"}).inc();
    std::string text = registry.render();
    EXPECT_NE(text.find("# TYPE sb_test_total counter"), std::string::npos);
    EXPECT_NE(text.find("sb_test_total{controller=\"app\",result=\"success\"} 3\n"), std::string::npos) << text;
    EXPECT_NE(text.find("sb_test_total{controller=\"app\",result=\"error\"} 1\n"), std::string::npos);
    EXPECT_NE(text.find("process_resident_memory_bytes "), std::string::npos);
}

TEST(Metrics, WrongNumberOfLabelValuesIsRefused) {
    Registry registry;
    auto& family = registry.counter("sb_x_total", "x", {"a"});
    EXPECT_THROW(family.with({}), std::invalid_argument);
    EXPECT_THROW(family.with({"1", "2"}), std::invalid_argument);
}

TEST(Metrics, CounterCannotDecrease) {
    Counter c;
    EXPECT_THROW(c.inc(-1), std::invalid_argument);
}

TEST(Metrics, SameNameReturnsSameFamily) {
    Registry registry;
    auto& a = registry.gauge("sb_depth", "depth", {"q"});
    auto& b = registry.gauge("sb_depth", "depth", {"q"});
    EXPECT_EQ(&a, &b);
    a.with({"x"}).set(5);
    b.with({"x"}).dec(2);
    EXPECT_EQ(a.with({"x"}).value(), 3);
}

TEST(Metrics, HistogramBucketsAreCumulative) {
    Registry registry;
    auto& h = registry.histogram("sb_latency_seconds", "latency", {}, {0.1, 1}).get();
    h.observe(0.05);
    h.observe(0.5);
    h.observe(5);
    EXPECT_EQ(h.cumulative_counts(), (std::vector<std::uint64_t>{1, 2, 3}));
    EXPECT_DOUBLE_EQ(h.sum(), 5.55);
    std::string text = registry.render();
    EXPECT_NE(text.find("sb_latency_seconds_bucket{le=\"0.10000000000000001\"} 1"), std::string::npos) << text;
    EXPECT_NE(text.find("sb_latency_seconds_bucket{le=\"+Inf\"} 3"), std::string::npos);
    EXPECT_NE(text.find("sb_latency_seconds_count 3"), std::string::npos);
}

TEST(Metrics, LabelValuesAreEscaped) {
    Registry registry;
    registry.counter("sb_esc_total", "e", {"v"}).with({"a\"b\\c\nd"}).inc();
    EXPECT_NE(registry.render().find(R"(sb_esc_total{v="a\"b\\c\nd"} 1)"), std::string::npos);
}

TEST(Metrics, ConcurrentIncrementsAreNotLost) {
    Registry registry;
    auto& c = registry.counter("sb_conc_total", "c").get();
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t)
        threads.emplace_back([&] {
            for (int i = 0; i < 10000; ++i) c.inc();
        });
    for (auto& t : threads) t.join();
    EXPECT_EQ(c.value(), 40000);
}

}  // namespace
}  // namespace sb::metrics
