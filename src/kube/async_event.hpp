#pragma once
// Small coroutine synchronisation helpers for the controller runtime.
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <memory>
#include <stop_token>

namespace sb::kube {

// A one-shot event: wait() suspends until set() (from any thread) has been called.
class AsyncEvent {
public:
    AsyncEvent();
    ~AsyncEvent();
    AsyncEvent(const AsyncEvent&) = delete;
    AsyncEvent& operator=(const AsyncEvent&) = delete;

    void set();
    bool is_set() const;
    boost::asio::awaitable<void> wait();

    struct Impl;

private:
    std::shared_ptr<Impl> impl_;
};

// Sleeps on the calling coroutine's executor; returns early (false) when stop
// is requested, true when the full duration passed.
boost::asio::awaitable<bool> sleep_for(std::chrono::steady_clock::duration duration, std::stop_token stop);

// Completes when stop is requested.
boost::asio::awaitable<void> wait_for_stop(std::stop_token stop);

}  // namespace sb::kube
