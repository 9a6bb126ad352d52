#include "operator/agent/cluster_facts.hpp"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

namespace sb::op::agent {
namespace {

TEST(ClusterFacts, QuantitiesAsKubernetesWritesThem) {
    EXPECT_EQ(parse_quantity("4", 1000), 4000);
    EXPECT_EQ(parse_quantity("3800m", 1000), 3800);
    EXPECT_EQ(parse_quantity("1.5", 1000), 1500);
    EXPECT_EQ(parse_quantity("250m", 1000), 250);
    EXPECT_EQ(parse_quantity("16374584Ki"), 16374584LL * 1024);
    EXPECT_EQ(parse_quantity("16Gi"), 16LL << 30);
    EXPECT_EQ(parse_quantity("2G"), 2000000000);
    EXPECT_EQ(parse_quantity("1e3"), 1000);
    EXPECT_EQ(parse_quantity("129M"), 129000000);
    for (const char* bad : {"", "Gi", "-1", "abc", "4 cores", "1.2.3", "nan", "inf"})
        EXPECT_EQ(parse_quantity(bad), std::nullopt) << bad;
}

TEST(ClusterFacts, CapacitySumsTheNodes) {
    std::vector<boost::json::object> nodes = {
        boost::json::parse(R"({"status":{"allocatable":{"cpu":"2","memory":"3908Mi"}}})")
            .as_object(),
        boost::json::parse(R"({"status":{"allocatable":{"cpu":"3500m","memory":"8Gi"}}})")
            .as_object(),
        boost::json::parse(R"({"status":{}})").as_object(),
    };
    auto c = sum_capacity(nodes);
    EXPECT_EQ(c.nodes, 3);
    EXPECT_EQ(c.allocatable_cpu_millis, 5500);
    EXPECT_EQ(c.allocatable_memory_bytes, 3908LL * 1048576 + (8LL << 30));
}

}  // namespace
}  // namespace sb::op::agent
