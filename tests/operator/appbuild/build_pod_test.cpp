#include "operator/appbuild/build_pod.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "common/json_fields.hpp"

namespace json = boost::json;
using namespace sb::op::appbuild;
using sb::get_string;

TEST(BuildPod, NewestPodAndMemoryLimit) {
    json::object older{{"metadata", {{"name", "a"}, {"creationTimestamp", "2024-03-20T10:00:00Z"}}}};
    json::object newer{{"metadata", {{"name", "b"}, {"creationTimestamp", "2024-03-20T10:01:00Z"}}},
                       {"spec",
                        {{"initContainers", {{{"name", "clone"}, {"resources", {{"limits", {{"memory", "256Mi"}}}}}}}},
                         {"containers", {{{"name", "build"}}}}}}};
    std::vector<json::object> pods{older, newer};
    ASSERT_NE(newest_pod(pods), nullptr);
    EXPECT_EQ(get_string(*newest_pod(pods), "metadata.name"), "b");
    EXPECT_EQ(newest_pod({}), nullptr);
    EXPECT_EQ(memory_limit_of(newer, "clone"), "256Mi");
    EXPECT_EQ(memory_limit_of(newer, "build"), "");
}
