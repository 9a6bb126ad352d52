#include "kube/watch.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <random>

#include "common/log.hpp"
#include "common/metrics.hpp"

namespace sb::kube {

namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;

namespace {

// A watch that stayed up this long was healthy: its failure starts the back-off afresh.
constexpr auto kHealthyWatch = std::chrono::seconds(10);

metrics::Family<metrics::Counter>& restart_counter() {
    return metrics::Registry::global().counter("sb_kube_watch_restarts_total",
                                               "Watch restarts by resource and reason (gone, error, disconnect)",
                                               {"resource", "reason"});
}

// Sleeps for d, or less when stop is requested.
Task<void> interruptible_sleep(asio::any_io_executor ex, std::chrono::milliseconds d, std::stop_token stop) {
    if (stop.stop_requested()) co_return;
    auto timer = std::make_shared<asio::steady_timer>(ex, d);
    std::stop_callback on_stop(stop, [timer, ex] { asio::post(ex, [timer] { timer->cancel(); }); });
    boost::system::error_code ec;
    co_await timer->async_wait(asio::redirect_error(asio::use_awaitable, ec));
}

}  // namespace

Backoff::Backoff(std::chrono::milliseconds initial, std::chrono::milliseconds max)
    : initial_(initial), max_(max), current_(initial) {}

std::chrono::milliseconds Backoff::next() {
    thread_local std::mt19937 rng{std::random_device{}()};
    auto base = current_;
    current_ = std::min(max_, current_ * 2);
    std::uniform_int_distribution<long> dist(base.count() / 2, base.count());
    return std::chrono::milliseconds(dist(rng));
}

void Backoff::reset() { current_ = initial_; }

Reflector::Reflector(Client client, ResourceRef resource, ReflectorOptions options, ReflectorSink sink)
    : client_(std::move(client)), resource_(std::move(resource)), options_(std::move(options)), sink_(std::move(sink)) {}

std::string Reflector::last_resource_version() const {
    std::lock_guard lock(rv_mutex_);
    return resource_version_;
}

Task<void> Reflector::list_and_replace() {
    ListOptions lo;
    lo.label_selector = options_.label_selector;
    lo.field_selector = options_.field_selector;
    lo.limit = options_.page_size;
    ObjectList list;
    for (;;) {
        auto page = co_await client_.list(resource_, options_.namespace_, lo);
        for (auto& item : page.items) {
            if (sink_.transform_listed) sink_.transform_listed(item);
            list.items.push_back(std::move(item));
        }
        list.resource_version = std::move(page.resource_version);
        if (page.continue_.empty()) break;
        lo.continue_ = std::move(page.continue_);
    }
    {
        std::lock_guard lock(rv_mutex_);
        resource_version_ = list.resource_version;
    }
    if (sink_.on_replace) sink_.on_replace(std::move(list.items), list.resource_version);
    lists_.fetch_add(1);
    synced_.store(true);
}

Task<void> Reflector::watch_once(std::stop_token stop) {
    WatchOptions wo;
    wo.label_selector = options_.label_selector;
    wo.field_selector = options_.field_selector;
    wo.resource_version = last_resource_version();
    wo.allow_bookmarks = true;
    // Between one and two times the option, like client-go: informers started
    // together do not all re-watch at the same moment.
    thread_local std::mt19937 rng{std::random_device{}()};
    wo.timeout_seconds = std::uniform_int_distribution<int>(options_.watch_timeout_seconds,
                                                            2 * options_.watch_timeout_seconds)(rng);
    co_await client_.watch(
        resource_, options_.namespace_, wo,
        [this](WatchEvent&& event) {
            auto rv = std::string(object_resource_version(event.object));
            if (event.type != WatchEventType::bookmark && sink_.on_event) sink_.on_event(std::move(event));
            if (!rv.empty()) {
                std::lock_guard lock(rv_mutex_);
                resource_version_ = std::move(rv);
            }
        },
        stop);
}

Task<void> Reflector::run(std::stop_token stop) {
    auto ex = client_.executor();
    Backoff backoff(options_.initial_backoff, options_.max_backoff);
    bool need_list = !synced_.load();
    const std::string name = resource_.display_name();
    while (!stop.stop_requested()) {
        std::string reason, message;
        std::optional<std::chrono::milliseconds> retry_after;
        auto started = Clock::now();
        try {
            if (need_list) {
                co_await list_and_replace();
                need_list = false;
            }
            co_await watch_once(stop);
            backoff.reset();  // the server ended a healthy watch (timeout): resume at once
            continue;
        } catch (const ApiError& e) {
            if (is_gone(e)) {
                reason = "gone";
                need_list = true;
            } else {
                reason = "error";
                if (e.retry_after()) retry_after = std::chrono::duration_cast<std::chrono::milliseconds>(*e.retry_after());
            }
            message = e.what();
        } catch (const std::exception& e) {
            reason = "disconnect";
            message = e.what();
        }
        if (stop.stop_requested()) break;
        restarts_.fetch_add(1);
        restart_counter().with({name, reason}).inc();
        if (Clock::now() - started > kHealthyWatch) backoff.reset();
        if (reason == "gone") {
            // The version expired (compaction): a fresh list fixes it; no reason to wait.
            log::info("watch expired, re-listing", {{"resource", boost::json::value(name)}, {"error", boost::json::value(message)}});
            continue;
        }
        auto delay = retry_after ? *retry_after : backoff.next();
        log::warn("watch failed, retrying", {{"resource", boost::json::value(name)}, {"reason", boost::json::value(reason)}, {"error", boost::json::value(message)},
                                             {"retry_ms", static_cast<std::int64_t>(delay.count())}});
        co_await interruptible_sleep(ex, delay, stop);
    }
}

}  // namespace sb::kube
