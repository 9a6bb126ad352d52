#pragma once
// An asynchronous counting semaphore for coroutines: a concurrent channel
// whose buffer holds one slot per permit in use.
#include <boost/asio/experimental/concurrent_channel.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace sb::server::db {

class AsyncSemaphore {
public:
    AsyncSemaphore(boost::asio::any_io_executor ex, std::size_t permits) : slots_(ex, permits) {}

    class Permit {
    public:
        explicit Permit(AsyncSemaphore* owner) : owner_(owner) {}
        Permit(Permit&& o) noexcept : owner_(std::exchange(o.owner_, nullptr)) {}
        Permit& operator=(Permit&&) = delete;
        ~Permit() {
            if (owner_) owner_->slots_.try_receive([](boost::system::error_code) {});
        }

    private:
        AsyncSemaphore* owner_;
    };

    boost::asio::awaitable<Permit> acquire() {
        co_await slots_.async_send(boost::system::error_code{}, boost::asio::use_awaitable);
        co_return Permit(this);
    }

private:
    boost::asio::experimental::concurrent_channel<void(boost::system::error_code)> slots_;
};

}  // namespace sb::server::db
