#pragma once
// Records core/v1 Events about objects, like client-go's EventRecorder:
// identical events (same object, type, reason, message) within the cache are
// folded into one Event whose count and lastTimestamp go up, and each object
// gets a token bucket (burst 25, one more token every 5 minutes by default)
// so a hot loop cannot flood the API server. Recording never blocks and never
// throws: the API calls run in the background and failures are logged.
#include <boost/asio/any_io_executor.hpp>
#include <boost/json/object.hpp>
#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "kube/client.hpp"
#include "kube/workqueue_rate_limiter.hpp"

namespace sb::kube {

struct EventRecorderOptions {
    std::string component;              // source.component / reportingController, e.g. "shapeblock-operator"
    std::string instance;               // reportingInstance (e.g. the pod name); default: component
    int burst_per_object = 25;
    std::chrono::seconds refill_interval{300};
    std::size_t cache_size = 4096;      // distinct events remembered for de-duplication
    std::shared_ptr<Clock> clock;       // default: steady_clock()
};

enum class EventType { normal, warning };

class EventRecorder {
public:
    EventRecorder(Client client, EventRecorderOptions options);
    ~EventRecorder();
    EventRecorder(const EventRecorder&) = delete;
    EventRecorder& operator=(const EventRecorder&) = delete;

    // `object` needs apiVersion, kind and metadata (name, namespace, uid).
    void event(const boost::json::object& object, EventType type, std::string_view reason, std::string_view message);

    // Events dropped by the per-object rate limit so far.
    std::size_t dropped() const;
    // Completes when no API call is in flight any more.
    boost::asio::awaitable<void> flush();

    struct Impl;

private:
    std::shared_ptr<Impl> impl_;
};

}  // namespace sb::kube
