#include "operator/appbuild/termination_message.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "operator/appbuild/build_status.hpp"

namespace json = boost::json;
using namespace sb::op::appbuild;

TEST(TerminationMessage, FieldsAndLastLines) {
    EXPECT_EQ(termination_field("commit=abc\ntype=buildpack\n", "type"), "buildpack");
    EXPECT_EQ(termination_field("commit=abc", "image"), std::nullopt);
    EXPECT_EQ(last_lines("a\nb\nc\n\n", 2), "b\nc");
    EXPECT_EQ(last_lines("only", 5), "only");
}

TEST(TerminationMessage, ResultsComeFromTheContainersThatSucceeded) {
    const std::string digest = "sha256:" + std::string(64, 'b');
    json::object pod{{"status",
                      {{"initContainerStatuses",
                        {{{"name", "clone"},
                          {"state",
                           {{"terminated",
                             {{"exitCode", 0}, {"message", "commit=abc123\ntype=dockerfile\nimage=r/app:abc123\n"}}}}}}}},
                       {"containerStatuses",
                        {{{"name", "build"}, {"state", {{"terminated", {{"exitCode", 0}, {"message", digest}}}}}}}}}}};
    BuildObservation o;
    read_results(containers_of(pod), o);
    EXPECT_EQ(o.commit, "abc123");
    EXPECT_EQ(o.build_type, "dockerfile");
    EXPECT_EQ(o.image, "r/app:abc123");
    EXPECT_EQ(o.digest, digest);

    pod["status"].as_object()["containerStatuses"].as_array()[0].as_object()["state"] =
        json::object{{"terminated", {{"exitCode", 1}, {"message", digest}}}};
    BuildObservation failed;
    read_results(containers_of(pod), failed);
    EXPECT_EQ(failed.digest, "") << "a failed step reports no result";
}
