#include "kube/manager.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/this_coro.hpp>
#include <csignal>
#ifdef __GLIBC__
#include <malloc.h>
#endif

#include "kube/async_event.hpp"
#include "common/log.hpp"
#include "kube/health_server.hpp"

namespace sb::kube {

namespace asio = boost::asio;

namespace {

// Memory a burst of work left behind: a controller's heap is mostly freed
// list pages and TLS buffers after it, which glibc keeps unless asked.
void release_unused_memory(Client& client, std::chrono::seconds connection_idle) {
    client.close_idle_connections(connection_idle);
#ifdef __GLIBC__
    ::malloc_trim(0);
#endif
}

void return_large_blocks_whole() {
#ifdef __GLIBC__
    ::mallopt(M_MMAP_THRESHOLD, 64 * 1024);  // also stops glibc from raising it after each large free
#endif
}

}  // namespace

Manager::Manager(Client client, ManagerOptions options)
    : client_(client), options_(std::move(options)), informers_(std::move(client)) {}

Manager::~Manager() { stop_.request_stop(); }

asio::awaitable<void> Manager::housekeeping(std::stop_token stop) {
    for (;;) {
        // Not in the loop condition: g++ 12 miscompiles a co_await there.
        const bool slept = co_await sleep_for(options_.housekeeping_interval, stop);
        if (!slept) co_return;
        release_unused_memory(client_, options_.housekeeping_interval);
    }
}

Informer& Manager::informer(const ResourceRef& resource, const InformerOptions& options) {
    return informers_.informer(resource, options);
}

Controller& Manager::add_controller(ControllerOptions options, ReconcileFunc reconcile) {
    return controllers_.emplace_back(client_.executor(), std::move(options), std::move(reconcile));
}

asio::awaitable<void> Manager::run() {
    auto ex = co_await asio::this_coro::executor;
    const auto stop = stop_.get_token();

    std::optional<asio::signal_set> signals;
    if (options_.handle_signals) {
        signals.emplace(ex, SIGINT, SIGTERM);
        signals->async_wait([this](const boost::system::error_code& ec, int sig) {
            if (ec) return;
            log::info("signal received, shutting down", {{"signal", boost::json::value(sig)}});
            this->stop();
        });
    }

    std::unique_ptr<HealthServer> health;
    if (options_.health_port >= 0) {
        health = std::make_unique<HealthServer>(
            ex, HealthServerOptions{.address = options_.health_address,
                                    .port = static_cast<unsigned short>(options_.health_port),
                                    .healthy = [this] { return !lost_.load(); },
                                    .ready = [this] { return synced_.load(); }});
        health_port_ = health->port();
        asio::co_spawn(ex, health->run(stop), asio::detached);
        log::info("serving /metrics /healthz /readyz", {{"port", boost::json::value(health->port())}});
    }

    if (options_.housekeeping_interval.count() > 0) return_large_blocks_whole();
    informers_.start(stop);
    if (co_await informers_.wait_for_sync(stop)) {
        synced_ = true;
        log::info("caches synced");
        release_unused_memory(client_, options_.housekeeping_interval);  // the initial lists' buffers
    }
    if (options_.housekeeping_interval.count() > 0)
        asio::co_spawn(ex, housekeeping(stop), asio::detached);

    std::optional<LeaderElector> elector;
    bool may_run = synced_.load() && !stop.stop_requested();
    if (may_run && options_.leader_election) {
        elector.emplace(client_, *options_.leader_election);
        may_run = co_await elector->acquire(stop);
        leading_ = may_run;
    }

    auto remaining = std::make_shared<std::atomic<int>>(0);
    auto controllers_done = std::make_shared<AsyncEvent>();
    if (may_run) {
        *remaining = static_cast<int>(controllers_.size() + runnables_.size());
        if (*remaining == 0) controllers_done->set();
        auto done = [remaining, controllers_done](std::exception_ptr) {
            if (--*remaining == 0) controllers_done->set();
        };
        for (auto& c : controllers_) asio::co_spawn(ex, c.run(stop), done);
        for (auto& r : runnables_) asio::co_spawn(ex, r(stop), done);
        if (elector) {
            if (!co_await elector->hold(stop)) lost_ = true;
        } else {
            co_await wait_for_stop(stop);
        }
    }

    stop_.request_stop();  // controllers drain, informers and the health server stop
    if (may_run) co_await controllers_done->wait();
    if (elector && !lost_) co_await elector->release();
    leading_ = false;
    if (signals) signals->cancel();
    log::info("manager stopped");
    if (lost_) throw LeadershipLostError("leadership lost: another candidate holds the lease");
}

}  // namespace sb::kube
