// The real node leaves nothing on the machine: not after a normal
// teardown, and not after a crash (the next run removes what the crashed
// one left before it starts).
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/json.hpp>

#include "tests/e2e/support/host_cleanup.hpp"
#include "tests/e2e/support/pods.hpp"
#include "tests/e2e/support/real_node.hpp"

namespace sb::e2e {
namespace {
namespace json = boost::json;
using namespace std::chrono_literals;
using ::testing::IsEmpty;
using ::testing::Not;

// A running pod, so that teardown has shims, mounts and cgroups to remove.
void run_a_pod(RealNode& node) {
    auto api = node.api();
    create_namespace(api, "lifecycle");
    create_pod(api, "lifecycle",
               json::object{{"apiVersion", "v1"},
                            {"kind", "Pod"},
                            {"metadata", json::object{{"name", "sleeper"}}},
                            {"spec", json::object{{"containers", json::array{json::object{
                                                                     {"name", "sleep"},
                                                                     {"image", node.images().busybox.reference},
                                                                     {"command", json::array{"sleep", "3600"}}}}}}}});
    wait_pod_phase(api, "lifecycle", "sleeper", "Running", 120s);
}

TEST(RealNodeLifecycle, TeardownLeavesNothingBehind) {
    {
        RealNode node;
        run_a_pod(node);
        EXPECT_THAT(find_node_leftovers(), Not(IsEmpty())) << "the leftover check must see a running node";
    }
    EXPECT_THAT(find_node_leftovers(), IsEmpty());
}

TEST(RealNodeLifecycle, TheNextRunCleansUpAfterACrashedOne) {
    int ready[2];
    ASSERT_EQ(pipe(ready), 0);
    const pid_t crashed = fork();
    ASSERT_GE(crashed, 0);
    if (crashed == 0) {
        close(ready[0]);
        try {
            RealNode node;
            run_a_pod(node);
            if (write(ready[1], "1", 1) != 1) _exit(3);
            pause();  // until SIGKILL: no destructor runs
        } catch (const std::exception& e) {
            std::cerr << "crashing node failed to start: " << e.what() << std::endl;
        }
        _exit(2);
    }
    close(ready[1]);
    pollfd wait_ready{ready[0], POLLIN, 0};
    char byte = 0;
    const bool started = poll(&wait_ready, 1, 300'000) == 1 && read(ready[0], &byte, 1) == 1;
    close(ready[0]);
    kill(crashed, SIGKILL);
    waitpid(crashed, nullptr, 0);
    ASSERT_TRUE(started) << "the node to be crashed did not come up";

    const auto left_by_crash = find_node_leftovers();
    EXPECT_THAT(left_by_crash, Not(IsEmpty()));
    bool pod_process_survived = false;
    for (const auto& item : left_by_crash) pod_process_survived |= item.find("(sleep)") != std::string::npos;
    EXPECT_TRUE(pod_process_survived) << "a crash leaves the pod's processes running";

    {
        RealNode next;  // cleans up first, then must work normally
        run_a_pod(next);
    }
    EXPECT_THAT(find_node_leftovers(), IsEmpty());
}

}  // namespace
}  // namespace sb::e2e
