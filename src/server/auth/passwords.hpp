#pragma once
// Argon2id password hashing on a small worker pool, never on the IO thread.
// At most `max_pending` hashes wait or run at once; beyond that callers get
// 503 so a login flood cannot exhaust memory.
#include <boost/asio/awaitable.hpp>
#include <boost/asio/thread_pool.hpp>

#include <atomic>
#include <string>

namespace sb::server {

struct PasswordCost {
    unsigned long long ops;
    std::size_t mem_bytes;
    static PasswordCost interactive();  // libsodium's interactive limits (64 MiB, 2 passes)
    static PasswordCost minimal();      // for tests only
};

class PasswordHasher {
public:
    PasswordHasher(PasswordCost cost, int threads, int max_pending);
    ~PasswordHasher();
    boost::asio::awaitable<std::string> hash(std::string password);
    boost::asio::awaitable<bool> verify(std::string stored_hash, std::string password);

private:
    template <typename F>
    boost::asio::awaitable<std::invoke_result_t<F>> run(F f);
    PasswordCost cost_;
    int max_pending_;
    std::atomic<int> pending_{0};
    boost::asio::thread_pool pool_;
};

}  // namespace sb::server
