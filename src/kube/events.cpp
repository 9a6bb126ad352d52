#include "kube/events.hpp"

#include <atomic>
#include <boost/asio/co_spawn.hpp>
#include <boost/json.hpp>
#include <ctime>
#include <list>
#include <mutex>
#include <unordered_map>

#include "common/json_fields.hpp"
#include "common/rfc3339.hpp"
#include "kube/async_event.hpp"
#include "common/log.hpp"

namespace sb::kube {

namespace asio = boost::asio;
namespace json = boost::json;

namespace {

struct Bucket {
    double tokens;
    Clock::time_point last;
};

// Events are remembered by a 64-bit hash of their de-duplication key (object,
// type, reason, message): a cached entry costs ~150 bytes instead of two
// copies of a ~100-character key. A collision (p ~ 1e-12 for 4,096 entries)
// would only fold two different events' counts into one.
using DedupKey = std::uint64_t;

struct CachedEvent {
    std::string name;        // metadata.name of the Event
    std::string namespace_;
    std::int64_t count = 1;
    std::list<DedupKey>::iterator lru;
};

}  // namespace

struct EventRecorder::Impl {
    Impl(Client c, EventRecorderOptions o) : client(std::move(c)), options(std::move(o)) {}
    Client client;
    EventRecorderOptions options;
    std::shared_ptr<Clock> clock;

    mutable std::mutex mutex;
    std::unordered_map<std::string, Bucket> buckets;     // per involved object
    std::size_t prune_buckets_at = 0;                    // size that triggers dropping full buckets
    std::unordered_map<DedupKey, CachedEvent> cache;
    std::list<DedupKey> lru;                             // most recent first
    std::size_t dropped = 0;
    std::atomic<int> in_flight{0};
    std::uint64_t sequence = 0;

    double refilled(const Bucket& b, Clock::time_point now) const {
        const double refill = std::chrono::duration<double>(now - b.last).count() /
                              std::chrono::duration<double>(options.refill_interval).count();
        return std::min<double>(options.burst_per_object, b.tokens + refill);
    }

    // A bucket that has refilled completely is the same as none: forget those
    // once there are many, so objects long gone do not stay for good.
    void prune_buckets_locked(Clock::time_point now) {
        if (buckets.size() < std::max(prune_buckets_at, options.cache_size)) return;
        std::erase_if(buckets, [&](const auto& entry) { return refilled(entry.second, now) >= options.burst_per_object; });
        prune_buckets_at = 2 * buckets.size();
    }

    bool take_token_locked(const std::string& object) {
        const auto now = clock->now();
        prune_buckets_locked(now);
        auto [it, fresh] = buckets.try_emplace(object, Bucket{static_cast<double>(options.burst_per_object), now});
        auto& b = it->second;
        b.tokens = refilled(b, now);
        b.last = now;
        if (b.tokens < 1.0) return false;
        b.tokens -= 1.0;
        return true;
    }

    void remember_locked(DedupKey key, CachedEvent ev) {
        lru.push_front(key);
        ev.lru = lru.begin();
        cache[key] = std::move(ev);
        while (cache.size() > options.cache_size) {
            cache.erase(lru.back());
            lru.pop_back();
        }
    }
};

// Creates the Event, or bumps the count of the one it repeats.
asio::awaitable<void> send_event(std::shared_ptr<EventRecorder::Impl> impl, json::object full,
                                 std::optional<CachedEvent> existing, std::string now) {
    if (existing) {
        bool gone = false;
        // Built outside the co_await: g++ 12 cannot keep an initializer list alive across one.
        json::value patch = json::object{{"count", existing->count}, {"lastTimestamp", now}};
        try {
            co_await impl->client.merge_patch(resources::events, existing->namespace_, existing->name, patch);
        } catch (const ApiError& e) {
            if (!is_not_found(e)) throw;
            gone = true;  // expired or deleted meanwhile: start a new one
        }
        if (!gone) co_return;
    }
    co_await impl->client.create(resources::events, std::move(full));
}

EventRecorder::EventRecorder(Client client, EventRecorderOptions options)
    : impl_(std::make_shared<Impl>(std::move(client), std::move(options))) {
    if (impl_->options.component.empty()) throw std::invalid_argument("an event recorder needs a component name");
    if (impl_->options.instance.empty()) impl_->options.instance = impl_->options.component;
    impl_->clock = impl_->options.clock ? impl_->options.clock : steady_clock();
}

EventRecorder::~EventRecorder() = default;

void EventRecorder::event(const json::object& object, EventType type, std::string_view reason,
                          std::string_view message) {
    const std::string type_name = type == EventType::warning ? "Warning" : "Normal";
    const std::string ns = object_namespace(object).empty() ? "default" : std::string(object_namespace(object));
    const std::string object_id = std::string(object_uid(object)) + "|" + object_key(object);
    const DedupKey dedup_key =
        std::hash<std::string>{}(object_id + "|" + type_name + "|" + std::string(reason) + "|" + std::string(message));
    const std::string now = now_rfc3339();

    std::optional<CachedEvent> existing;
    std::string name;
    {
        std::lock_guard lock(impl_->mutex);
        if (!impl_->take_token_locked(object_id)) {
            ++impl_->dropped;
            return;
        }
        if (auto it = impl_->cache.find(dedup_key); it != impl_->cache.end()) {
            ++it->second.count;
            impl_->lru.splice(impl_->lru.begin(), impl_->lru, it->second.lru);
            existing = it->second;
        } else {
            char suffix[32];
            std::snprintf(suffix, sizeof suffix, ".%llx%04llx",
                          static_cast<unsigned long long>(std::chrono::system_clock::now().time_since_epoch().count()),
                          static_cast<unsigned long long>(++impl_->sequence & 0xffff));
            name = std::string(object_name(object)) + suffix;
            impl_->remember_locked(dedup_key, CachedEvent{.name = name, .namespace_ = ns});
        }
    }

    json::object involved{{"apiVersion", get_string_view(object, "apiVersion")},
                          {"kind", get_string_view(object, "kind")},
                          {"name", object_name(object)},
                          {"uid", object_uid(object)},
                          {"resourceVersion", object_resource_version(object)}};
    if (!object_namespace(object).empty()) involved["namespace"] = object_namespace(object);
    json::object full{{"apiVersion", "v1"},
                      {"kind", "Event"},
                      {"metadata", {{"name", existing ? existing->name : name}, {"namespace", ns}}},
                      {"involvedObject", std::move(involved)},
                      {"reason", reason},
                      {"message", message},
                      {"type", type_name},
                      {"source", {{"component", impl_->options.component}}},
                      {"reportingComponent", impl_->options.component},
                      {"reportingInstance", impl_->options.instance},
                      {"firstTimestamp", now},
                      {"lastTimestamp", now},
                      {"count", existing ? existing->count : 1}};

    auto impl = impl_;
    ++impl->in_flight;
    asio::co_spawn(
        impl->client.executor(), send_event(impl, std::move(full), std::move(existing), now),
        [impl](std::exception_ptr e) {
            --impl->in_flight;
            if (!e) return;
            try {
                std::rethrow_exception(e);
            } catch (const std::exception& ex) {
                log::warn("recording an event failed", {{"component", boost::json::value(impl->options.component)}, {"error", boost::json::value(ex.what())}});
            }
        });
}

std::size_t EventRecorder::dropped() const {
    std::lock_guard lock(impl_->mutex);
    return impl_->dropped;
}

asio::awaitable<void> EventRecorder::flush() {
    while (impl_->in_flight.load() > 0) co_await sleep_for(std::chrono::milliseconds(10), {});
}

}  // namespace sb::kube
