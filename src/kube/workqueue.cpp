#include "kube/workqueue.hpp"

#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/execution.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/prefer.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <deque>
#include <map>
#include <mutex>
#include <set>
#include <unordered_set>
#include <utility>
#include <vector>

#include "common/metrics.hpp"

namespace sb::kube {

namespace asio = boost::asio;

namespace {

struct QueueMetrics {
    metrics::Gauge& depth;
    metrics::Counter& adds;
    metrics::Counter& retries;

    explicit QueueMetrics(const std::string& name)
        : depth(metrics::Registry::global()
                    .gauge("sb_workqueue_depth", "Keys waiting in the work queue", {"name"})
                    .with({name})),
          adds(metrics::Registry::global()
                   .counter("sb_workqueue_adds_total", "Keys added to the work queue", {"name"})
                   .with({name})),
          retries(metrics::Registry::global()
                      .counter("sb_workqueue_retries_total", "Rate-limited re-adds to the work queue", {"name"})
                      .with({name})) {}
};

// A suspended caller: its completion handler, and a tracked executor that
// keeps the caller's execution context from running out of work meanwhile.
template <typename Signature>
struct Waiter {
    asio::any_io_executor work;
    asio::any_completion_handler<Signature> handler;

    template <typename Handler>
    Waiter(Handler&& h, const asio::any_io_executor& fallback)
        : work(asio::prefer(asio::get_associated_executor(h, fallback), asio::execution::outstanding_work.tracked)),
          handler(std::forward<Handler>(h)) {}

    // Resumes the caller through its executor, never inline.
    template <typename... Args>
    void complete(Args... args) {
        asio::post(work, [h = std::move(handler), ... a = std::move(args)]() mutable { std::move(h)(std::move(a)...); });
    }
};
using Getter = Waiter<void(std::optional<std::string>)>;
using IdleWaiter = Waiter<void()>;

// Completions collected under the lock and run after it is released, so a
// handler never runs while the queue's mutex is held.
struct Wakeups {
    std::vector<std::pair<Getter, std::optional<std::string>>> getters;
    std::vector<IdleWaiter> idle;

    void run() {
        for (auto& [getter, key] : getters) getter.complete(std::move(key));
        for (auto& waiter : idle) waiter.complete();
    }
};

}  // namespace

struct WorkQueue::Impl : std::enable_shared_from_this<WorkQueue::Impl> {
    Impl(asio::any_io_executor ex, WorkQueueOptions opts)
        : executor(std::move(ex)),
          clock(opts.clock ? std::move(opts.clock) : steady_clock()),
          limiter(opts.rate_limiter ? std::move(opts.rate_limiter) : default_controller_rate_limiter(clock)),
          metrics(opts.name),
          timer(executor) {}

    asio::any_io_executor executor;
    std::shared_ptr<Clock> clock;
    std::shared_ptr<RateLimiter> limiter;
    QueueMetrics metrics;

    mutable std::mutex mutex;
    std::deque<std::string> queue;
    std::unordered_set<std::string> dirty;       // queued or to be re-queued when done
    std::unordered_set<std::string> processing;  // handed out, not done yet
    std::map<std::string, Clock::time_point> delayed_by_key;
    std::set<std::pair<Clock::time_point, std::string>> delayed;  // ordered by deadline
    std::deque<Getter> getters;
    std::vector<IdleWaiter> idle_waiters;
    bool shutting_down = false;
    asio::steady_timer timer;
    std::optional<Clock::time_point> timer_deadline;

    // --- everything below runs with `mutex` held ---

    void add_locked(const std::string& key) {
        if (shutting_down || dirty.contains(key)) return;
        metrics.adds.inc();
        dirty.insert(key);
        if (processing.contains(key)) return;  // done() queues it again
        queue.push_back(key);
        metrics.depth.set(static_cast<double>(queue.size()));
    }

    void promote_due_locked() {
        const auto now = clock->now();
        while (!delayed.empty() && delayed.begin()->first <= now) {
            std::string key = delayed.begin()->second;
            delayed.erase(delayed.begin());
            delayed_by_key.erase(key);
            add_locked(key);
        }
    }

    std::string pop_locked() {
        std::string key = std::move(queue.front());
        queue.pop_front();
        processing.insert(key);
        dirty.erase(key);
        metrics.depth.set(static_cast<double>(queue.size()));
        return key;
    }

    bool idle_locked() const { return shutting_down && queue.empty() && processing.empty(); }

    Wakeups collect_locked() {
        promote_due_locked();
        Wakeups w;
        while (!getters.empty() && !queue.empty()) {
            w.getters.emplace_back(std::move(getters.front()), pop_locked());
            getters.pop_front();
        }
        if (shutting_down && queue.empty()) {
            for (auto& g : getters) w.getters.emplace_back(std::move(g), std::nullopt);
            getters.clear();
        }
        if (idle_locked()) {
            w.idle = std::move(idle_waiters);
            idle_waiters.clear();
        }
        arm_timer_locked();
        return w;
    }

    void arm_timer_locked() {
        if (delayed.empty() || shutting_down) return;
        const auto deadline = delayed.begin()->first;
        if (timer_deadline && *timer_deadline <= deadline) return;
        timer_deadline = deadline;
        // The clock may be a test clock: wait for the remaining duration in real time.
        timer.expires_after(deadline - clock->now());
        timer.async_wait([weak = weak_from_this()](const boost::system::error_code& ec) {
            if (ec == asio::error::operation_aborted) return;
            if (auto self = weak.lock()) self->on_timer();
        });
    }

    void on_timer() {
        Wakeups w;
        {
            std::lock_guard lock(mutex);
            timer_deadline.reset();
            w = collect_locked();
        }
        w.run();
    }

    template <typename F>
    void mutate(F&& f) {
        Wakeups w;
        {
            std::lock_guard lock(mutex);
            f();
            w = collect_locked();
        }
        w.run();
    }
};

WorkQueue::WorkQueue(asio::any_io_executor executor, WorkQueueOptions options)
    : impl_(std::make_shared<Impl>(std::move(executor), std::move(options))) {}

WorkQueue::~WorkQueue() { shutdown(); }

void WorkQueue::add(const std::string& key) {
    impl_->mutate([&] { impl_->add_locked(key); });
}

void WorkQueue::add_after(const std::string& key, Clock::duration delay) {
    if (delay <= Clock::duration::zero()) return add(key);
    impl_->mutate([&] {
        if (impl_->shutting_down) return;
        const auto deadline = impl_->clock->now() + delay;
        auto it = impl_->delayed_by_key.find(key);
        if (it != impl_->delayed_by_key.end()) {
            if (it->second <= deadline) return;
            impl_->delayed.erase({it->second, key});
            it->second = deadline;
        } else {
            impl_->delayed_by_key.emplace(key, deadline);
        }
        impl_->delayed.emplace(deadline, key);
    });
}

void WorkQueue::add_rate_limited(const std::string& key) {
    if (shutting_down()) return;
    impl_->metrics.retries.inc();
    add_after(key, impl_->limiter->when(key));
}

void WorkQueue::forget(const std::string& key) { impl_->limiter->forget(key); }

int WorkQueue::num_requeues(const std::string& key) const { return impl_->limiter->num_requeues(key); }

asio::awaitable<std::optional<std::string>> WorkQueue::get() {
    // Keeps Impl alive while suspended. The initiation captures a raw pointer
    // only: g++ 12 destroys non-trivial by-value captures of an initiation
    // passed to a coroutine twice.
    const auto keep_alive = impl_;
    Impl* impl = keep_alive.get();
    co_return co_await asio::async_initiate<decltype(asio::use_awaitable), void(std::optional<std::string>)>(
        [impl](auto handler) { impl->mutate([&] { impl->getters.emplace_back(std::move(handler), impl->executor); }); },
        asio::use_awaitable);
}

std::optional<std::string> WorkQueue::try_get() {
    std::optional<std::string> key;
    impl_->mutate([&] {
        impl_->promote_due_locked();
        if (!impl_->queue.empty()) key = impl_->pop_locked();
    });
    return key;
}

void WorkQueue::done(const std::string& key) {
    impl_->mutate([&] {
        impl_->processing.erase(key);
        if (impl_->dirty.contains(key)) {
            impl_->queue.push_back(key);
            impl_->metrics.depth.set(static_cast<double>(impl_->queue.size()));
        }
    });
}

void WorkQueue::shutdown() {
    impl_->mutate([&] {
        if (impl_->shutting_down) return;
        impl_->shutting_down = true;
        impl_->delayed.clear();
        impl_->delayed_by_key.clear();
        impl_->timer.cancel();
        impl_->timer_deadline.reset();
    });
}

asio::awaitable<void> WorkQueue::drain() {
    shutdown();
    const auto keep_alive = impl_;
    Impl* impl = keep_alive.get();  // raw pointer: see get()
    co_await asio::async_initiate<decltype(asio::use_awaitable), void()>(
        [impl](auto handler) { impl->mutate([&] { impl->idle_waiters.emplace_back(std::move(handler), impl->executor); }); },
        asio::use_awaitable);
}

bool WorkQueue::shutting_down() const {
    std::lock_guard lock(impl_->mutex);
    return impl_->shutting_down;
}

std::size_t WorkQueue::len() const {
    impl_->mutate([] {});  // releases delayed keys that are due, waking waiting workers
    std::lock_guard lock(impl_->mutex);
    return impl_->queue.size();
}

std::size_t WorkQueue::delayed_len() const {
    std::lock_guard lock(impl_->mutex);
    return impl_->delayed.size();
}

std::size_t WorkQueue::processing_len() const {
    std::lock_guard lock(impl_->mutex);
    return impl_->processing.size();
}

}  // namespace sb::kube
