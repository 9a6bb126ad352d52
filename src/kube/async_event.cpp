#include "kube/async_event.hpp"

#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/execution.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/prefer.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <mutex>
#include <vector>

namespace sb::kube {

namespace asio = boost::asio;

struct AsyncEvent::Impl {
    struct Waiter {
        asio::any_io_executor work;  // tracked: keeps the waiter's context alive
        asio::any_completion_handler<void()> handler;
    };
    mutable std::mutex mutex;
    bool set = false;
    std::vector<Waiter> waiters;
};

AsyncEvent::AsyncEvent() : impl_(std::make_shared<Impl>()) {}
AsyncEvent::~AsyncEvent() { set(); }

void AsyncEvent::set() {
    std::vector<Impl::Waiter> waiters;
    {
        std::lock_guard lock(impl_->mutex);
        impl_->set = true;
        waiters.swap(impl_->waiters);
    }
    for (auto& w : waiters) asio::post(w.work, std::move(w.handler));
}

bool AsyncEvent::is_set() const {
    std::lock_guard lock(impl_->mutex);
    return impl_->set;
}

asio::awaitable<void> AsyncEvent::wait() {
    const auto keep_alive = impl_;
    Impl* impl = keep_alive.get();  // raw pointer: g++ 12 double-destroys non-trivial initiation captures
    auto fallback = co_await asio::this_coro::executor;
    co_await asio::async_initiate<decltype(asio::use_awaitable), void()>(
        [impl, fallback](auto handler) {
            auto work = asio::prefer(asio::get_associated_executor(handler, fallback),
                                     asio::execution::outstanding_work.tracked);
            std::unique_lock lock(impl->mutex);
            if (impl->set) {
                lock.unlock();
                asio::post(work, std::move(handler));
                return;
            }
            impl->waiters.push_back({std::move(work), std::move(handler)});
        },
        asio::use_awaitable);
}

asio::awaitable<bool> sleep_for(std::chrono::steady_clock::duration duration, std::stop_token stop) {
    if (stop.stop_requested()) co_return false;
    auto timer = std::make_shared<asio::steady_timer>(co_await asio::this_coro::executor, duration);
    // Runs on the timer's executor; moving the expiry to the past also covers a
    // stop that arrives before the wait has started.
    std::stop_callback on_stop(stop, [timer] {
        asio::post(timer->get_executor(), [timer] { timer->expires_at(asio::steady_timer::time_point::min()); });
    });
    co_await timer->async_wait(asio::as_tuple(asio::use_awaitable));
    co_return !stop.stop_requested();
}

asio::awaitable<void> wait_for_stop(std::stop_token stop) {
    AsyncEvent stopped;
    std::stop_callback on_stop(stop, [&stopped] { stopped.set(); });
    co_await stopped.wait();
}

}  // namespace sb::kube
