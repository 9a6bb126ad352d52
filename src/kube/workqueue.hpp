#pragma once
// The controller work queue, with client-go's semantics:
//  * a key is queued at most once however often it is added (dirty set);
//  * a key handed out by get() is not handed out again until done(key), so no
//    two workers ever process the same key at once;
//  * a key added while it is being processed is queued again by done(key);
//  * add_rate_limited() delays by the rate limiter (per-key exponential
//    back-off plus an overall token bucket), add_after() by a fixed delay;
//  * shutdown() refuses new keys but still hands out the queued ones; get()
//    then yields std::nullopt. drain() waits until nothing is queued or in
//    processing any more.
// Thread-safe: workers may run on several threads. Waiting is asynchronous
// (C++20 coroutines); delayed keys are released by a timer on the executor
// given to the constructor and by every call that looks at the queue, so a
// test with a ManualClock releases them deterministically.
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>

#include "kube/workqueue_rate_limiter.hpp"

namespace sb::kube {

struct WorkQueueOptions {
    std::string name = "default";              // label of the queue's metrics
    std::shared_ptr<Clock> clock;              // default: steady_clock()
    std::shared_ptr<RateLimiter> rate_limiter; // default: default_controller_rate_limiter(clock)
};

class WorkQueue {
public:
    WorkQueue(boost::asio::any_io_executor executor, WorkQueueOptions options = {});
    ~WorkQueue();
    WorkQueue(const WorkQueue&) = delete;
    WorkQueue& operator=(const WorkQueue&) = delete;

    void add(const std::string& key);
    // Adds `key` once `delay` has passed (at once when delay <= 0). A key
    // already waiting keeps the earlier of its two deadlines.
    void add_after(const std::string& key, Clock::duration delay);
    // Adds `key` after the rate limiter's delay; counts as a retry.
    void add_rate_limited(const std::string& key);
    // Resets the key's back-off (call after a successful reconcile).
    void forget(const std::string& key);
    int num_requeues(const std::string& key) const;

    // The next key, waiting for one if needed; nullopt once shut down and empty.
    // The caller must call done(key) when finished with it.
    boost::asio::awaitable<std::optional<std::string>> get();
    // The next key if one is ready now (nullopt otherwise). Same contract as get().
    std::optional<std::string> try_get();
    void done(const std::string& key);

    void shutdown();
    // shutdown(), then wait until every handed-out key is done and the queue is empty.
    boost::asio::awaitable<void> drain();
    bool shutting_down() const;

    // Keys ready to be handed out (delayed keys that are due count).
    std::size_t len() const;
    // Keys waiting for their delay.
    std::size_t delayed_len() const;
    // Keys handed out and not done yet.
    std::size_t processing_len() const;

    struct Impl;

private:
    std::shared_ptr<Impl> impl_;
};

}  // namespace sb::kube
