// Leader election against the real kube-apiserver: candidates in their own
// processes (tests/kube/leader_elector_main.cpp), so that one can be killed
// with SIGKILL like a crashed pod.
#include "kube/leader_election.hpp"

#include <gtest/gtest.h>
#include <signal.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/json.hpp>
#include <thread>

#include "kube/client.hpp"
#include "kube/config.hpp"
#include "tests/support/local_control_plane.hpp"
#include "tests/support/scratch.hpp"

namespace asio = boost::asio;
namespace kube = sb::kube;
using namespace std::chrono_literals;
using sb::testenv::LocalControlPlane;

namespace {

constexpr auto kLease = 4000ms, kRenew = 3000ms, kRetry = 1000ms;

template <typename T>
T run(asio::io_context& io, asio::awaitable<T> task) {
    auto future = asio::co_spawn(io, std::move(task), asio::use_future);
    io.restart();
    while (future.wait_for(0s) != std::future_status::ready) io.run_one_for(100ms);
    return future.get();
}

struct Candidate {
    std::string identity;
    sb::testenv::ChildProcess process;

    bool log_has(const std::string& text) const {
        return sb::testenv::read_file(process.log_file()).find(text) != std::string::npos;
    }
};

class LeaderElectionTest : public ::testing::Test {
protected:
    LocalControlPlane& cp = LocalControlPlane::shared();
    sb::testenv::ScratchDir dir{"leader-election"};
    asio::io_context io;
    kube::Client client{io.get_executor(), kube::load_kubeconfig({cp.admin_kubeconfig()})};
    std::string lease = "lease-" + sb::testenv::random_hex(4);

    Candidate start(const std::string& identity) {
        return Candidate{identity, sb::testenv::ChildProcess({.argv = {SB_ELECTOR_HELPER, cp.admin_kubeconfig().string(),
                                                                       "default", lease, identity,
                                                                       std::to_string(kLease.count()),
                                                                       std::to_string(kRenew.count()),
                                                                       std::to_string(kRetry.count())},
                                                              .log_file = (dir / (identity + ".log")).string()})};
    }

    std::string holder() {
        auto obj = run(io, client.get(kube::resources::leases, "default", lease));
        const auto* h = obj.at("spec").as_object().if_contains("holderIdentity");
        return h && h->is_string() ? std::string(h->get_string()) : std::string{};
    }

    template <typename Pred>
    bool eventually(Pred pred, std::chrono::milliseconds timeout) {
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        while (std::chrono::steady_clock::now() < deadline) {
            if (pred()) return true;
            std::this_thread::sleep_for(50ms);
        }
        return pred();
    }
};

}  // namespace

TEST_F(LeaderElectionTest, SecondCandidateInOneProcessWaitsForTheHolder) {
    kube::LeaderElector a(client, {.lease_namespace = "default", .lease_name = lease, .identity = "a",
                                   .lease_duration = kLease, .renew_deadline = kRenew, .retry_period = kRetry});
    kube::LeaderElector b(client, {.lease_namespace = "default", .lease_name = lease, .identity = "b",
                                   .lease_duration = kLease, .renew_deadline = kRenew, .retry_period = kRetry});
    EXPECT_TRUE(run(io, a.try_acquire_or_renew()));
    EXPECT_FALSE(run(io, b.try_acquire_or_renew()));
    EXPECT_EQ(b.observed_holder(), "a");
    EXPECT_TRUE(run(io, a.try_acquire_or_renew())) << "renewal";
    EXPECT_FALSE(run(io, b.try_acquire_or_renew()));
    run(io, a.release());
    EXPECT_FALSE(a.is_leader());
    EXPECT_EQ(holder(), "");
    EXPECT_TRUE(run(io, b.try_acquire_or_renew())) << "a released lease is free at once";
    EXPECT_EQ(holder(), "b");
    auto obj = run(io, client.get(kube::resources::leases, "default", lease));
    EXPECT_EQ(obj.at("spec").at("leaseTransitions").as_int64(), 1);
}

TEST_F(LeaderElectionTest, RejectsInconsistentDurations) {
    EXPECT_THROW(kube::LeaderElector(client, {.lease_namespace = "default", .lease_name = "x", .identity = "a",
                                              .lease_duration = 2s, .renew_deadline = 3s, .retry_period = 1s}),
                 std::invalid_argument);
    EXPECT_THROW(kube::LeaderElector(client, {.lease_namespace = "default", .lease_name = "x", .identity = ""}),
                 std::invalid_argument);
}

TEST_F(LeaderElectionTest, OnlyOneLeadsAndKillNineHandsOverWithinTheLease) {
    auto a = start("candidate-a");
    auto b = start("candidate-b");
    ASSERT_TRUE(eventually([&] { return a.log_has("LEADING") || b.log_has("LEADING"); }, 30s))
        << a.process.log_tail() << b.process.log_tail();
    // Several lease durations later, still exactly one leader.
    std::this_thread::sleep_for(kLease * 2);
    ASSERT_NE(a.log_has("LEADING"), b.log_has("LEADING")) << "exactly one candidate leads";
    Candidate& leader = a.log_has("LEADING") ? a : b;
    Candidate& follower = a.log_has("LEADING") ? b : a;
    EXPECT_EQ(holder(), leader.identity);

    leader.process.kill_hard();
    const auto killed = std::chrono::steady_clock::now();
    // The follower may take over once it has seen no renewal for a lease
    // duration; it looks every retry period.
    const auto bound = kLease + 2 * kRetry + 1s;
    ASSERT_TRUE(eventually([&] { return follower.log_has("LEADING"); }, bound + 10s)) << follower.process.log_tail();
    const auto handover = std::chrono::steady_clock::now() - killed;
    std::cout << "handover after kill -9: "
              << std::chrono::duration_cast<std::chrono::milliseconds>(handover).count() << " ms (lease "
              << kLease.count() << " ms)\n";
    EXPECT_LE(handover, bound);
    EXPECT_GE(handover, kLease - kRetry) << "the follower must not take a lease that was just renewed";
    EXPECT_EQ(holder(), follower.identity);

    // A clean shutdown releases the lease: the next candidate takes it at its first try.
    auto c = start("candidate-c");
    std::this_thread::sleep_for(kRetry * 2);
    EXPECT_FALSE(c.log_has("LEADING"));
    follower.process.stop();
    EXPECT_TRUE(follower.log_has("RELEASED")) << follower.process.log_tail();
    const auto released = std::chrono::steady_clock::now();
    ASSERT_TRUE(eventually([&] { return c.log_has("LEADING"); }, 10s)) << c.process.log_tail();
    EXPECT_LT(std::chrono::steady_clock::now() - released, kLease) << "no need to wait for the lease to expire";
}
