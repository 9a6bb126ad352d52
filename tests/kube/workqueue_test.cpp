#include "kube/workqueue.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <map>
#include <mutex>
#include <set>
#include <thread>

namespace asio = boost::asio;
using namespace std::chrono_literals;
using sb::kube::WorkQueue;

namespace {

struct QueueWithManualClock {
    asio::io_context io;
    std::shared_ptr<sb::kube::ManualClock> clock = std::make_shared<sb::kube::ManualClock>();
    WorkQueue queue{io.get_executor(),
                    {.name = "test",
                     .clock = clock,
                     .rate_limiter = std::make_shared<sb::kube::ExponentialBackoffRateLimiter>(5ms, 40ms)}};
};

}  // namespace

TEST(WorkQueue, DeduplicatesQueuedKeys) {
    QueueWithManualClock t;
    t.queue.add("a");
    t.queue.add("b");
    t.queue.add("a");
    EXPECT_EQ(t.queue.len(), 2u);
    EXPECT_EQ(t.queue.try_get(), "a");
    EXPECT_EQ(t.queue.try_get(), "b");
    EXPECT_EQ(t.queue.try_get(), std::nullopt);
}

TEST(WorkQueue, NeverHandsOutAKeyThatIsBeingProcessed) {
    QueueWithManualClock t;
    t.queue.add("a");
    ASSERT_EQ(t.queue.try_get(), "a");
    t.queue.add("a");
    t.queue.add("b");
    EXPECT_EQ(t.queue.try_get(), "b");
    EXPECT_EQ(t.queue.try_get(), std::nullopt) << "a is still being processed";
    EXPECT_EQ(t.queue.processing_len(), 2u);
}

TEST(WorkQueue, KeyChangedWhileProcessingIsQueuedAgainOnDone) {
    QueueWithManualClock t;
    t.queue.add("a");
    ASSERT_EQ(t.queue.try_get(), "a");
    t.queue.add("a");
    t.queue.add("a");
    EXPECT_EQ(t.queue.len(), 0u);
    t.queue.done("a");
    EXPECT_EQ(t.queue.len(), 1u);
    EXPECT_EQ(t.queue.try_get(), "a");
    t.queue.done("a");
    EXPECT_EQ(t.queue.len(), 0u) << "both adds during processing collapse into one";
}

TEST(WorkQueue, DoneWithoutChangesDoesNotRequeue) {
    QueueWithManualClock t;
    t.queue.add("a");
    ASSERT_EQ(t.queue.try_get(), "a");
    t.queue.done("a");
    EXPECT_EQ(t.queue.len(), 0u);
    EXPECT_EQ(t.queue.processing_len(), 0u);
}

TEST(WorkQueue, AddAfterWaitsForTheClock) {
    QueueWithManualClock t;
    t.queue.add_after("a", 10s);
    EXPECT_EQ(t.queue.len(), 0u);
    EXPECT_EQ(t.queue.delayed_len(), 1u);
    t.clock->advance(9s);
    EXPECT_EQ(t.queue.try_get(), std::nullopt);
    t.clock->advance(1s);
    EXPECT_EQ(t.queue.try_get(), "a");
    EXPECT_EQ(t.queue.delayed_len(), 0u);
}

TEST(WorkQueue, AddAfterKeepsTheEarlierDeadline) {
    QueueWithManualClock t;
    t.queue.add_after("a", 10s);
    t.queue.add_after("a", 3s);
    t.queue.add_after("a", 20s);
    EXPECT_EQ(t.queue.delayed_len(), 1u);
    t.clock->advance(3s);
    EXPECT_EQ(t.queue.try_get(), "a");
    t.queue.done("a");
    t.clock->advance(30s);
    EXPECT_EQ(t.queue.len(), 0u) << "the later deadlines were merged, not kept";
}

TEST(WorkQueue, AddAfterWithoutDelayAddsAtOnce) {
    QueueWithManualClock t;
    t.queue.add_after("a", 0s);
    EXPECT_EQ(t.queue.len(), 1u);
}

TEST(WorkQueue, DelayedKeyAlreadyQueuedIsNotDuplicated) {
    QueueWithManualClock t;
    t.queue.add("a");
    t.queue.add_after("a", 1s);
    t.clock->advance(1s);
    EXPECT_EQ(t.queue.len(), 1u);
}

TEST(WorkQueue, RateLimitedAddsBackOffExponentiallyUpToTheCap) {
    QueueWithManualClock t;
    const std::vector<std::chrono::milliseconds> expected{5ms, 10ms, 20ms, 40ms, 40ms};
    for (auto delay : expected) {
        t.queue.add_rate_limited("a");
        t.clock->advance(delay - 1ms);
        EXPECT_EQ(t.queue.try_get(), std::nullopt) << "before " << delay.count() << " ms";
        t.clock->advance(1ms);
        ASSERT_EQ(t.queue.try_get(), "a") << "at " << delay.count() << " ms";
        t.queue.done("a");
    }
    EXPECT_EQ(t.queue.num_requeues("a"), 5);
    t.queue.forget("a");
    EXPECT_EQ(t.queue.num_requeues("a"), 0);
    t.queue.add_rate_limited("a");
    t.clock->advance(5ms);
    EXPECT_EQ(t.queue.try_get(), "a") << "forget() restarts the back-off";
}

TEST(WorkQueue, OverallTokenBucketLimitsAllKeys) {
    asio::io_context io;
    auto clock = std::make_shared<sb::kube::ManualClock>();
    WorkQueue queue(io.get_executor(),
                    {.clock = clock, .rate_limiter = sb::kube::default_controller_rate_limiter(clock)});
    for (int i = 0; i < 150; ++i) queue.add_rate_limited("k" + std::to_string(i));
    clock->advance(5ms);
    EXPECT_EQ(queue.len(), 100u) << "the burst of 100 passes after the 5 ms per-key back-off";
    clock->advance(1s);
    EXPECT_EQ(queue.len(), 110u) << "then 10 per second";
}

TEST(WorkQueue, ShutdownRefusesNewKeysButHandsOutQueuedOnes) {
    QueueWithManualClock t;
    t.queue.add("a");
    t.queue.add_after("late", 1s);
    t.queue.shutdown();
    t.queue.add("b");
    t.queue.add_rate_limited("c");
    EXPECT_TRUE(t.queue.shutting_down());
    EXPECT_EQ(t.queue.delayed_len(), 0u) << "delayed keys are dropped";
    EXPECT_EQ(t.queue.try_get(), "a");
    EXPECT_EQ(t.queue.try_get(), std::nullopt);
}

TEST(WorkQueue, GetWaitsForAKey) {
    QueueWithManualClock t;
    std::optional<std::string> got;
    bool finished = false;
    asio::co_spawn(
        t.io,
        [&]() -> asio::awaitable<void> {
            got = co_await t.queue.get();
            finished = true;
        },
        asio::detached);
    t.io.poll();
    EXPECT_FALSE(finished);
    t.queue.add("x");
    t.io.poll();
    ASSERT_TRUE(finished);
    EXPECT_EQ(got, "x");
}

TEST(WorkQueue, GetWakesWhenADelayedKeyFallsDueOnTheClock) {
    QueueWithManualClock t;
    std::optional<std::string> got;
    asio::co_spawn(
        t.io, [&]() -> asio::awaitable<void> { got = co_await t.queue.get(); }, asio::detached);
    t.queue.add_after("x", 1h);
    t.io.poll();
    EXPECT_EQ(got, std::nullopt);
    t.clock->advance(1h);
    EXPECT_EQ(t.queue.len(), 0u) << "the due key went straight to the waiting worker";
    t.io.poll();
    EXPECT_EQ(got, "x");
}

TEST(WorkQueue, DelayedKeyIsReleasedByTheTimerWithTheRealClock) {
    asio::io_context io;
    WorkQueue queue(io.get_executor());
    std::optional<std::string> got;
    asio::co_spawn(
        io, [&]() -> asio::awaitable<void> { got = co_await queue.get(); }, asio::detached);
    queue.add_after("x", 1ms);
    io.run();  // returns once the worker has its key: nothing else is pending
    EXPECT_EQ(got, "x");
}

TEST(WorkQueue, ShutdownWakesWaitingWorkersWithNothing) {
    QueueWithManualClock t;
    int ended = 0;
    for (int i = 0; i < 3; ++i)
        asio::co_spawn(
            t.io,
            [&]() -> asio::awaitable<void> {
                auto key = co_await t.queue.get();
                if (!key) ++ended;
            },
            asio::detached);
    t.io.poll();
    EXPECT_EQ(ended, 0);
    t.queue.shutdown();
    t.io.poll();
    EXPECT_EQ(ended, 3);
}

TEST(WorkQueue, DrainWaitsForKeysInProcessing) {
    QueueWithManualClock t;
    t.queue.add("a");
    t.queue.add("b");
    ASSERT_EQ(t.queue.try_get(), "a");
    bool drained = false;
    asio::co_spawn(
        t.io,
        [&]() -> asio::awaitable<void> {
            co_await t.queue.drain();
            drained = true;
        },
        asio::detached);
    t.io.poll();
    EXPECT_FALSE(drained);
    t.queue.add("a");  // refused: shutting down
    t.queue.done("a");
    t.io.poll();
    EXPECT_FALSE(drained) << "b is still queued";
    ASSERT_EQ(t.queue.try_get(), "b");
    t.io.poll();
    EXPECT_FALSE(drained);
    t.queue.done("b");
    t.io.poll();
    EXPECT_TRUE(drained);
}

TEST(WorkQueue, DrainOfAnIdleQueueCompletesAtOnce) {
    QueueWithManualClock t;
    bool drained = false;
    asio::co_spawn(
        t.io,
        [&]() -> asio::awaitable<void> {
            co_await t.queue.drain();
            drained = true;
        },
        asio::detached);
    t.io.poll();
    EXPECT_TRUE(drained);
}

// Many workers on several threads, a few hot keys added from several
// producer threads: no key may ever be processed by two workers at once, and
// every add must be followed by a processing that saw it.
TEST(WorkQueue, ManyWorkersNeverProcessOneKeyConcurrently) {
    constexpr int kThreads = 4, kWorkers = 16, kKeys = 5, kProducers = 3, kAddsPerProducer = 4000;
    asio::thread_pool pool(kThreads);
    WorkQueue queue(pool.get_executor(), {.name = "hammer"});

    std::mutex mutex;
    std::set<std::string> in_flight;
    std::map<std::string, long> added_version, seen_version;
    std::atomic<int> overlaps{0}, processed{0};

    auto worker = [&]() -> asio::awaitable<void> {
        while (auto key = co_await queue.get()) {
            {
                std::lock_guard lock(mutex);
                if (!in_flight.insert(*key).second) ++overlaps;
                seen_version[*key] = added_version[*key];
            }
            // Yield a few times so that other workers and producers interleave.
            for (int i = 0; i < 3; ++i) co_await asio::post(co_await asio::this_coro::executor, asio::use_awaitable);
            {
                std::lock_guard lock(mutex);
                in_flight.erase(*key);
            }
            ++processed;
            queue.done(*key);
        }
    };
    for (int i = 0; i < kWorkers; ++i) asio::co_spawn(pool, worker, asio::detached);

    std::vector<std::thread> producers;
    for (int p = 0; p < kProducers; ++p)
        producers.emplace_back([&, p] {
            for (int i = 0; i < kAddsPerProducer; ++i) {
                const std::string key = "key-" + std::to_string((i + p) % kKeys);
                {
                    std::lock_guard lock(mutex);
                    ++added_version[key];
                }
                queue.add(key);
            }
        });
    for (auto& t : producers) t.join();

    bool drained = false;
    asio::co_spawn(
        pool,
        [&]() -> asio::awaitable<void> {
            co_await queue.drain();
            drained = true;
        },
        asio::detached);
    pool.join();

    EXPECT_TRUE(drained);
    EXPECT_EQ(overlaps.load(), 0);
    EXPECT_GT(processed.load(), 0);
    EXPECT_EQ(seen_version, added_version) << "every add was followed by a processing that saw it";
    EXPECT_EQ(queue.len(), 0u);
    EXPECT_EQ(queue.processing_len(), 0u);
}
