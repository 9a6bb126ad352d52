#pragma once
// Controllers in the style of controller-runtime: a reconciler is called with
// the key of an object whenever that object, an object it owns, or anything
// mapped to it changes; it makes the world match the object and says whether
// to look again. Keys go through a WorkQueue, so one key is never reconciled
// by two workers at once, and failures are retried with per-key back-off.
//
//   Controller c(ex, {.name = "foo", .workers = 2}, [&](const Request& r) -> Task<Result> { ... });
//   c.for_resource(foos).owns(deployments, "samplecontroller.k8s.io", "Foo");
//   co_await c.run(stop);
//
// Metrics (sb::metrics::Registry::global()):
//   sb_controller_reconcile_total{controller,result}   result = success|requeue|requeue_after|error
//   sb_controller_reconcile_errors_total{controller}
//   sb_controller_reconcile_duration_seconds{controller}
//   sb_controller_active_workers{controller}
//   plus the queue's sb_workqueue_* series labelled with the controller name.
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/json/object.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <stop_token>
#include <string>
#include <vector>

#include "kube/informer.hpp"
#include "kube/workqueue.hpp"

namespace sb::kube {

// What to reconcile: one object by namespace and name.
struct Request {
    std::string namespace_;
    std::string name;

    std::string key() const { return make_key(namespace_, name); }
    static Request from_key(std::string_view key);
    friend bool operator==(const Request&, const Request&) = default;
};

struct Result {
    bool requeue = false;                       // again, after the rate limiter's back-off
    std::chrono::milliseconds requeue_after{0}; // again, after this long (wins over requeue)

    static Result done() { return {}; }
    static Result after(std::chrono::milliseconds d) { return {.requeue_after = d}; }
};

// Throw from a reconciler for an error that retrying cannot fix: it is
// logged and counted, and the key is forgotten instead of retried.
class TerminalError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

using ReconcileFunc = std::function<boost::asio::awaitable<Result>(const Request&)>;
// Maps a watched object to the requests it should trigger.
using MapFunc = std::function<std::vector<Request>(const boost::json::object&)>;

struct ControllerOptions {
    std::string name;                          // required: metrics label and log field
    int workers = 1;                           // concurrent reconciles (coroutines)
    std::shared_ptr<RateLimiter> rate_limiter; // default: default_controller_rate_limiter()
    std::shared_ptr<Clock> clock;              // default: steady_clock()
};

// The requests for the controller owner of `obj` when that owner has the given
// API group and kind (controller-runtime's EnqueueRequestForOwner with
// OnlyControllerOwner). group is "" for the core group.
std::vector<Request> requests_for_controller_owner(const boost::json::object& obj, std::string_view owner_group,
                                                   std::string_view owner_kind);

class Controller {
public:
    Controller(boost::asio::any_io_executor executor, ControllerOptions options, ReconcileFunc reconcile);
    Controller(const Controller&) = delete;
    Controller& operator=(const Controller&) = delete;

    // Reconcile the objects of this informer (adds, updates, deletes).
    Controller& for_resource(Informer& primary);
    // Reconcile the controller owner (of group/kind) of the objects of this informer.
    Controller& owns(Informer& owned, std::string owner_group, std::string owner_kind);
    // Reconcile whatever `map` returns for the objects of this informer.
    Controller& watches(Informer& other, MapFunc map);

    const std::string& name() const { return options_.name; }
    WorkQueue& queue() { return queue_; }
    void enqueue(const Request& request) { queue_.add(request.key()); }

    // Runs the workers until stop is requested, then lets them finish the
    // keys in hand (the queue drains) and returns.
    boost::asio::awaitable<void> run(std::stop_token stop);

private:
    void enqueue_all(const std::vector<Request>& requests);
    boost::asio::awaitable<void> worker();
    boost::asio::awaitable<void> process(const std::string& key);

    boost::asio::any_io_executor executor_;
    ControllerOptions options_;
    ReconcileFunc reconcile_;
    WorkQueue queue_;
};

}  // namespace sb::kube
