#include "server/auth/passwords.hpp"

#include <sodium.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "server/core/api_error.hpp"

namespace sb::server {
namespace asio = boost::asio;

PasswordCost PasswordCost::interactive() {
    return {crypto_pwhash_OPSLIMIT_INTERACTIVE, crypto_pwhash_MEMLIMIT_INTERACTIVE};
}
PasswordCost PasswordCost::minimal() { return {crypto_pwhash_OPSLIMIT_MIN, crypto_pwhash_MEMLIMIT_MIN}; }

PasswordHasher::PasswordHasher(PasswordCost cost, int threads, int max_pending)
    : cost_(cost), max_pending_(max_pending), pool_(static_cast<std::size_t>(threads)) {}

PasswordHasher::~PasswordHasher() { pool_.join(); }

template <typename F>
asio::awaitable<std::invoke_result_t<F>> PasswordHasher::run(F f) {
    if (pending_.fetch_add(1) >= max_pending_) {
        pending_.fetch_sub(1);
        ApiError busy(503, "busy", "too many password operations in progress, retry shortly");
        busy.retry_after_seconds = 1;
        throw busy;
    }
    struct Release {
        std::atomic<int>& n;
        ~Release() { n.fetch_sub(1); }
    } release{pending_};
    // Named, not a temporary in the co_await expression (GCC 12 destroys those twice).
    auto job = [work = std::move(f)]() -> asio::awaitable<std::invoke_result_t<F>> { co_return work(); };
    co_return co_await asio::co_spawn(pool_.get_executor(), std::move(job), asio::use_awaitable);
}

asio::awaitable<std::string> PasswordHasher::hash(std::string password) {
    auto work = [this, secret = std::move(password)] {
        char out[crypto_pwhash_STRBYTES];
        if (crypto_pwhash_str_alg(out, secret.data(), secret.size(), cost_.ops, cost_.mem_bytes,
                                  crypto_pwhash_ALG_ARGON2ID13) != 0)
            throw std::runtime_error("password hashing ran out of memory");
        return std::string(out);
    };
    co_return co_await run(std::move(work));
}

asio::awaitable<bool> PasswordHasher::verify(std::string stored_hash, std::string password) {
    auto work = [stored = std::move(stored_hash), secret = std::move(password)] {
        return crypto_pwhash_str_verify(stored.c_str(), secret.data(), secret.size()) == 0;
    };
    co_return co_await run(std::move(work));
}

}  // namespace sb::server
