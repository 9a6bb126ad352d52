#include "kube/controller.hpp"

#include <atomic>
#include <boost/asio/co_spawn.hpp>
#include <boost/json.hpp>

#include "common/json_fields.hpp"
#include "kube/async_event.hpp"
#include "common/log.hpp"
#include "common/metrics.hpp"

namespace sb::kube {

namespace asio = boost::asio;
namespace json = boost::json;

namespace {

struct ControllerMetrics {
    metrics::Family<metrics::Counter>& reconciles;
    metrics::Counter& errors;
    metrics::Histogram& duration;
    metrics::Gauge& active_workers;

    explicit ControllerMetrics(const std::string& controller)
        : reconciles(metrics::Registry::global().counter("sb_controller_reconcile_total",
                                                         "Reconciliations by controller and result",
                                                         {"controller", "result"})),
          errors(metrics::Registry::global()
                     .counter("sb_controller_reconcile_errors_total", "Reconciliations that failed", {"controller"})
                     .with({controller})),
          duration(metrics::Registry::global()
                       .histogram("sb_controller_reconcile_duration_seconds", "Time spent in one reconciliation",
                                  {"controller"})
                       .with({controller})),
          active_workers(metrics::Registry::global()
                             .gauge("sb_controller_active_workers", "Reconciliations in progress", {"controller"})
                             .with({controller})) {}
};

ControllerMetrics& metrics_for(const std::string& controller) {
    // One set per controller name; the registry owns the series, this caches the lookups.
    static std::mutex mutex;
    static std::map<std::string, std::unique_ptr<ControllerMetrics>> all;
    std::lock_guard lock(mutex);
    auto& m = all[controller];
    if (!m) m = std::make_unique<ControllerMetrics>(controller);
    return *m;
}

std::string_view api_group_of(std::string_view api_version) {
    auto slash = api_version.find('/');
    return slash == std::string_view::npos ? std::string_view{} : api_version.substr(0, slash);
}

}  // namespace

Request Request::from_key(std::string_view key) {
    auto [ns, name] = split_key(key);
    return {std::move(ns), std::move(name)};
}

std::vector<Request> requests_for_controller_owner(const json::object& obj, std::string_view owner_group,
                                                   std::string_view owner_kind) {
    const auto* metadata = obj.if_contains("metadata");
    if (!metadata || !metadata->is_object()) return {};
    const auto* refs = metadata->get_object().if_contains("ownerReferences");
    if (!refs || !refs->is_array()) return {};
    for (const auto& ref : refs->get_array()) {
        if (!ref.is_object()) continue;
        const auto& r = ref.get_object();
        const auto* controller = r.if_contains("controller");
        if (!controller || !controller->is_bool() || !controller->get_bool()) continue;
        if (get_string_view(r, "kind") != owner_kind || api_group_of(get_string_view(r, "apiVersion")) != owner_group)
            return {};
        return {Request{std::string(object_namespace(obj)), std::string(get_string_view(r, "name"))}};
    }
    return {};
}

Controller::Controller(asio::any_io_executor executor, ControllerOptions options, ReconcileFunc reconcile)
    : executor_(executor),
      options_(std::move(options)),
      reconcile_(std::move(reconcile)),
      queue_(executor, {.name = options_.name, .clock = options_.clock, .rate_limiter = options_.rate_limiter}) {
    if (options_.name.empty()) throw std::invalid_argument("a controller needs a name");
    if (options_.workers < 1) throw std::invalid_argument("controller " + options_.name + ": workers must be >= 1");
    if (!reconcile_) throw std::invalid_argument("controller " + options_.name + ": no reconcile function");
    metrics_for(options_.name);
}

void Controller::enqueue_all(const std::vector<Request>& requests) {
    for (const auto& r : requests) queue_.add(r.key());
}

Controller& Controller::for_resource(Informer& primary) {
    primary.add_handlers({
        .on_add = [this](const Object& o) { queue_.add(object_key(*o)); },
        .on_update = [this](const Object&, const Object& o) { queue_.add(object_key(*o)); },
        .on_delete = [this](const Object& o) { queue_.add(object_key(*o)); },
    });
    return *this;
}

Controller& Controller::owns(Informer& owned, std::string owner_group, std::string owner_kind) {
    auto map = [group = std::move(owner_group), kind = std::move(owner_kind)](const json::object& o) {
        return requests_for_controller_owner(o, group, kind);
    };
    return watches(owned, std::move(map));
}

Controller& Controller::watches(Informer& other, MapFunc map) {
    auto shared_map = std::make_shared<MapFunc>(std::move(map));
    other.add_handlers({
        .on_add = [this, shared_map](const Object& o) { enqueue_all((*shared_map)(*o)); },
        .on_update =
            [this, shared_map](const Object& old_obj, const Object& new_obj) {
                // Both: an object that changed owner must wake the old owner too.
                if (old_obj) enqueue_all((*shared_map)(*old_obj));
                enqueue_all((*shared_map)(*new_obj));
            },
        .on_delete = [this, shared_map](const Object& o) { enqueue_all((*shared_map)(*o)); },
    });
    return *this;
}

asio::awaitable<void> Controller::run(std::stop_token stop) {
    std::stop_callback on_stop(stop, [this] { queue_.shutdown(); });
    log::info("controller starting", {{"controller", boost::json::value(options_.name)}, {"workers", boost::json::value(options_.workers)}});
    auto remaining = std::make_shared<std::atomic<int>>(options_.workers);
    auto all_done = std::make_shared<AsyncEvent>();
    for (int i = 0; i < options_.workers; ++i)
        asio::co_spawn(executor_, worker(), [remaining, all_done, name = options_.name](std::exception_ptr e) {
            if (e) {
                try {
                    std::rethrow_exception(e);
                } catch (const std::exception& ex) {
                    log::error("controller worker failed", {{"controller", boost::json::value(name)}, {"error", boost::json::value(ex.what())}});
                }
            }
            if (--*remaining == 0) all_done->set();
        });
    co_await all_done->wait();
    log::info("controller stopped", {{"controller", boost::json::value(options_.name)}});
}

asio::awaitable<void> Controller::worker() {
    while (auto key = co_await queue_.get()) {
        co_await process(*key);
        queue_.done(*key);
    }
}

asio::awaitable<void> Controller::process(const std::string& key) {
    auto& m = metrics_for(options_.name);
    m.active_workers.inc();
    const auto start = std::chrono::steady_clock::now();
    std::string outcome, error;
    bool terminal = false;
    try {
        const Result r = co_await reconcile_(Request::from_key(key));
        if (r.requeue_after > std::chrono::milliseconds::zero()) {
            queue_.forget(key);
            queue_.add_after(key, r.requeue_after);
            outcome = "requeue_after";
        } else if (r.requeue) {
            queue_.add_rate_limited(key);
            outcome = "requeue";
        } else {
            queue_.forget(key);
            outcome = "success";
        }
    } catch (const TerminalError& e) {
        queue_.forget(key);
        outcome = "error";
        error = e.what();
        terminal = true;
    } catch (const std::exception& e) {
        queue_.add_rate_limited(key);
        outcome = "error";
        error = e.what();
    }
    m.duration.observe(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    m.reconciles.with({options_.name, outcome}).inc();
    m.active_workers.dec();
    if (!error.empty()) {
        m.errors.inc();
        log::warn("reconcile failed", {{"controller", boost::json::value(options_.name)},
                                       {"key", boost::json::value(key)},
                                       {"error", boost::json::value(error)},
                                       {"retry", boost::json::value(!terminal)},
                                       {"requeues", boost::json::value(queue_.num_requeues(key))}});
    }
}

}  // namespace sb::kube
