#pragma once
// The reflector: keeps a local view of one resource in sync with the API
// server. Lists (paged), then watches from the list's resourceVersion with
// bookmarks; bookmarks advance the version; 410 Gone / Expired leads to a
// fresh list (on_replace); disconnects and apiserver restarts resume the
// watch from the last seen version after a jittered exponential back-off.
// Restarts are counted in sb_kube_watch_restarts_total{resource,reason}.
#include <atomic>
#include <chrono>
#include <functional>
#include <mutex>
#include <stop_token>
#include <string>
#include <vector>

#include "kube/client.hpp"

namespace sb::kube {

struct ReflectorOptions {
    std::string namespace_;        // "" = all namespaces (or cluster-scoped)
    std::string label_selector;
    std::string field_selector;
    std::int64_t page_size = 500;
    int watch_timeout_seconds = 300;  // each watch asks for between this and twice this
    std::chrono::milliseconds initial_backoff{500};
    std::chrono::milliseconds max_backoff{30000};
};

// What the reflector tells its consumer (normally an Informer's store).
struct ReflectorSink {
    // Applied to each listed object as its page arrives, so a long list is
    // never held whole and untrimmed (optional).
    std::function<void(boost::json::object&)> transform_listed;
    // A complete, fresh state (after the initial list and after every re-list).
    std::function<void(std::vector<boost::json::object>&& items, const std::string& resource_version)> on_replace;
    // ADDED / MODIFIED / DELETED (bookmarks are handled by the reflector).
    std::function<void(WatchEvent&& event)> on_event;
};

class Reflector {
public:
    Reflector(Client client, ResourceRef resource, ReflectorOptions options, ReflectorSink sink);

    // Runs until stop is requested (then returns normally). Never throws for
    // API or transport errors: it logs, backs off and retries.
    Task<void> run(std::stop_token stop);

    const ResourceRef& resource() const { return resource_; }
    // True once the first list has been delivered.
    bool has_synced() const { return synced_.load(); }
    std::string last_resource_version() const;
    std::uint64_t list_count() const { return lists_.load(); }
    std::uint64_t watch_restart_count() const { return restarts_.load(); }

private:
    Task<void> list_and_replace();
    Task<void> watch_once(std::stop_token stop);

    Client client_;
    ResourceRef resource_;
    ReflectorOptions options_;
    ReflectorSink sink_;
    mutable std::mutex rv_mutex_;
    std::string resource_version_;
    std::atomic<bool> synced_{false};
    std::atomic<std::uint64_t> lists_{0}, restarts_{0};
};

// Exponential back-off with full jitter in [base/2, base], doubling up to a cap.
class Backoff {
public:
    Backoff(std::chrono::milliseconds initial, std::chrono::milliseconds max);
    std::chrono::milliseconds next();
    void reset();

private:
    std::chrono::milliseconds initial_, max_, current_;
};

}  // namespace sb::kube
