// The wiring: opens and migrates the database, loads the master key, builds
// the server state and the router, then runs the HTTP transport on one IO
// thread until stopped.
#include "server/server.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>

#include <condition_variable>
#include <malloc.h>
#include <mutex>

#include "common/log.hpp"
#include "server/api/helpers.hpp"
#include "server/core/bootstrap.hpp"
#include "server/core/state.hpp"
#include "server/db/migrations.hpp"
#include "server/http/static_site.hpp"
#include "server/http/transport.hpp"

namespace sb::server {
namespace asio = boost::asio;

namespace {

crypto::MasterKey load_master_key(const Config& config) {
    if (!config.master_key.empty()) return crypto::parse_master_key(config.master_key);
    return crypto::load_or_create_master_key(config.master_key_path());
}

}  // namespace

struct Server::Impl {
    explicit Impl(Config c) : config(std::move(c)) {}

    Config config;
    asio::io_context io{1};
    std::unique_ptr<ServerState> state;
    Router router;
    std::unique_ptr<HttpTransport> transport;

    std::mutex mutex;
    std::condition_variable cv;
    int port = 0;
    std::exception_ptr failure;
    bool finished = false;

    void set_listening(int p) {
        std::lock_guard lock(mutex);
        port = p;
        cv.notify_all();
    }
    void set_failed(std::exception_ptr e) {
        std::lock_guard lock(mutex);
        failure = e;
        finished = true;
        cv.notify_all();
    }

    asio::awaitable<void> start();
    asio::awaitable<void> shutdown();
};

asio::awaitable<void> Server::Impl::start() {
    crypto::init();
    auto database = db::open(io.get_executor(), {config.database_url, config.data_dir, config.database_pool_size, 5000});
    co_await db::migrate(*database);
    crypto::MasterKey key = load_master_key(config);
    state = std::make_unique<ServerState>(config, std::move(database), key);
    co_await bootstrap(*state);
    router = api::make_router();
    auto ui_dir = config.ui_dir.empty() ? default_ui_dir() : std::filesystem::path(config.ui_dir);
    auto site = std::make_shared<const StaticSite>(StaticSite::load(ui_dir));
    if (site->built()) sb::log::info("serving the web UI", {{"directory", boost::json::value(ui_dir.string())}, {"files", site->file_count()}});
    else sb::log::warn("the web UI is not built: / explains how to build it", {{"directory", boost::json::value(ui_dir.string())}});
    router.set_fallback([site](const Request& request) { return site->serve(request); });
    transport = std::make_unique<HttpTransport>(io, config, *state, router);
    int bound = transport->listen();
    state->ready = true;
    sb::log::info("listening", {{"address", boost::json::value(config.listen_address)}, {"port", bound}, {"tls", config.tls()},
                                {"database", boost::json::value(std::string(state->db->engine()))}});
    set_listening(bound);
    co_await transport->serve();
}

asio::awaitable<void> Server::Impl::shutdown() {
    if (!state || state->shutting_down) co_return;
    sb::log::info("shutting down: finishing in-flight requests");
    state->shutting_down = true;
    std::size_t unfinished = 0;
    state->events.close_all();
    state->agents.close_all();
    if (transport) {
        auto deadline = std::chrono::steady_clock::now() + config.shutdown_grace;
        unfinished = co_await transport->shutdown(deadline);
    }
    sb::log::info("shutdown complete", {{"unfinished_connections", static_cast<std::int64_t>(unfinished)}});
    io.stop();
}

Server::Server(Config config) : impl_(std::make_unique<Impl>(std::move(config))) {
    // One malloc arena: the IO thread does nearly all allocation; the SQLite
    // commit and password-hashing threads would each keep an arena resident.
    ::mallopt(M_ARENA_MAX, 1);
}
Server::~Server() = default;

void Server::run(bool handle_signals) {
    auto& impl = *impl_;
    std::optional<asio::signal_set> signals;
    if (handle_signals) {
        signals.emplace(impl.io, SIGINT, SIGTERM);
        signals->async_wait([&impl](const boost::system::error_code& ec, int) {
            if (!ec) asio::co_spawn(impl.io, impl.shutdown(), asio::detached);
        });
    }
    asio::co_spawn(impl.io, impl.start(), [&impl](std::exception_ptr e) {
        if (e) {
            impl.set_failed(e);
            impl.io.stop();
        }
    });
    try {
        impl.io.run();
    } catch (...) {
        impl.set_failed(std::current_exception());
    }
    {
        std::lock_guard lock(impl.mutex);
        impl.finished = true;
        impl.cv.notify_all();
    }
    // Close sessions and the database on this thread, before the next caller sees them.
    if (impl.transport) impl.transport->close();
    if (impl.failure) std::rethrow_exception(impl.failure);
}

int Server::wait_until_listening() {
    std::unique_lock lock(impl_->mutex);
    impl_->cv.wait(lock, [&] { return impl_->port != 0 || impl_->finished; });
    if (impl_->failure) std::rethrow_exception(impl_->failure);
    if (impl_->port == 0) throw std::runtime_error("server stopped before listening");
    return impl_->port;
}

void Server::request_stop() {
    asio::post(impl_->io, [impl = impl_.get()] { asio::co_spawn(impl->io, impl->shutdown(), asio::detached); });
}

int migrate_database(const Config& config) {
    asio::io_context io;
    int applied = 0;
    std::exception_ptr failure;
    asio::co_spawn(
        io,
        [&]() -> asio::awaitable<void> {
            auto database = db::open(io.get_executor(), {config.database_url, config.data_dir, 1, 5000});
            applied = co_await db::migrate(*database);
        },
        [&](std::exception_ptr e) { failure = e; });
    io.run();
    if (failure) std::rethrow_exception(failure);
    return applied;
}

}  // namespace sb::server
