#pragma once
// An asynchronous, dynamic Kubernetes REST client on boost::json objects.
//
//   sb::kube::Client client(io.get_executor(), sb::kube::load_default_config());
//   auto cm = co_await client.get(sb::kube::resources::configmaps, "default", "settings");
//
// HTTPS/1.1 with a pool of keep-alive connections, client-side rate limit
// (ClusterConfig::qps/burst), retries with back-off where safe (429 with
// Retry-After on any verb; connection failures on GET/LIST and on requests
// that never reached the server), credentials refreshed on 401 (exec plugins,
// token files). Every request is counted in sb::metrics::Registry::global()
// (sb_kube_api_requests_total{verb,resource,code},
// sb_kube_api_request_duration_seconds{verb,resource}).
//
// Failures throw ApiError (the server answered with an error Status) or
// TransportError (no answer). Copies of a Client share one connection pool.
// Methods may be called from any coroutine on the executor given to the
// constructor (or from several threads of one io_context).
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <stop_token>
#include <string>
#include <string_view>
#include <vector>

#include "kube/config.hpp"
#include "kube/errors.hpp"
#include "kube/resource.hpp"

namespace sb::kube {

template <typename T>
using Task = boost::asio::awaitable<T>;

struct GetOptions {
    std::string resource_version;  // "" = most recent, "0" = any (served from the apiserver cache)
};

struct ListOptions {
    std::string label_selector;
    std::string field_selector;
    std::int64_t limit = 0;        // 0 = no paging
    std::string continue_;         // token from the previous page
    std::string resource_version;
    std::optional<int> timeout_seconds;
};

struct ObjectList {
    std::string resource_version;  // of the list
    std::string continue_;         // non-empty when more pages follow
    std::optional<std::int64_t> remaining_item_count;
    std::vector<boost::json::object> items;
};

struct WriteOptions {
    std::string field_manager;
    bool dry_run = false;
};

struct ApplyOptions {
    std::string field_manager;     // required by the server
    bool force = false;            // take ownership of conflicting fields
    bool dry_run = false;
};

enum class PropagationPolicy { unset, orphan, background, foreground };

struct DeleteOptions {
    PropagationPolicy propagation = PropagationPolicy::unset;
    std::optional<std::int64_t> grace_period_seconds;
    std::string precondition_uid;               // only delete this incarnation
    std::string precondition_resource_version;  // only delete this version
    bool dry_run = false;
};

struct LogOptions {
    std::string container;
    bool follow = false;
    bool timestamps = false;
    bool previous = false;
    std::optional<std::int64_t> tail_lines;
    std::optional<std::int64_t> since_seconds;
    std::optional<std::int64_t> limit_bytes;
};

enum class WatchEventType { added, modified, deleted, bookmark, error };

struct WatchEvent {
    WatchEventType type = WatchEventType::added;
    boost::json::object object;    // for error: the Status object
};

struct WatchOptions {
    std::string label_selector;
    std::string field_selector;
    std::string resource_version;  // start after this version
    bool allow_bookmarks = true;
    int timeout_seconds = 300;     // server-side end of the watch (client-go uses 5-10 min)
};

// A raw request for anything the typed calls do not cover.
struct RawRequest {
    std::string method = "GET";
    std::string path;              // "/api/v1/namespaces"
    std::vector<std::pair<std::string, std::string>> query;  // percent-encoded by the client
    std::string body;
    std::string content_type = "application/json";
    std::string accept = "application/json";
};

struct RawResponse {
    int status = 0;
    std::string content_type;
    std::string body;
};

class Client {
public:
    Client(boost::asio::any_io_executor executor, ClusterConfig config);

    const ClusterConfig& config() const;
    const std::string& default_namespace() const;
    boost::asio::any_io_executor executor() const;

    // The public calls are plain functions that hand copies of their
    // arguments to private coroutines, so no argument can dangle.
    // GCC 12 caveat for callers: a braced temporary inside a co_await
    // expression (co_await c.list(r, ns, {.limit = 10})) is destroyed
    // wrongly (heap corruption). Put options in a named variable first.
    Task<boost::json::object> get(const ResourceRef& r, std::string_view ns, std::string_view name,
                                  GetOptions options = GetOptions()) {
        return get_co(r, std::string(ns), std::string(name), std::move(options));
    }
    // One page (options.limit / options.continue_).
    Task<ObjectList> list(const ResourceRef& r, std::string_view ns, ListOptions options = ListOptions()) {
        return list_co(r, std::string(ns), std::move(options));
    }
    // All pages, page_size objects at a time (options.limit is the page size when set, 500 otherwise).
    Task<ObjectList> list_all(const ResourceRef& r, std::string_view ns, ListOptions options = ListOptions()) {
        return list_all_co(r, std::string(ns), std::move(options));
    }

    // POST to the object's metadata.namespace (the default namespace when
    // unset; nothing for cluster-scoped resources).
    Task<boost::json::object> create(const ResourceRef& r, boost::json::object obj, WriteOptions options = WriteOptions()) {
        return create_co(r, std::move(obj), std::move(options));
    }
    // PUT to the object's own path (metadata.namespace/name); carries
    // metadata.resourceVersion, so a stale object fails with a Conflict.
    Task<boost::json::object> update(const ResourceRef& r, boost::json::object obj, WriteOptions options = WriteOptions()) {
        return update_co(r, std::move(obj), std::move(options));
    }
    // PUT .../status.
    Task<boost::json::object> update_status(const ResourceRef& r, boost::json::object obj, WriteOptions options = WriteOptions()) {
        return update_status_co(r, std::move(obj), std::move(options));
    }
    // application/merge-patch+json (RFC 7386); subresource "" or "status".
    Task<boost::json::object> merge_patch(const ResourceRef& r, std::string_view ns, std::string_view name,
                                          const boost::json::value& patch, std::string_view subresource = {},
                                          WriteOptions options = WriteOptions()) {
        return merge_patch_co(r, std::string(ns), std::string(name), patch, std::string(subresource), std::move(options));
    }
    // Server-side apply (application/apply-patch+yaml; JSON is valid YAML).
    // obj must carry apiVersion, kind and metadata.name (+namespace).
    Task<boost::json::object> apply(const ResourceRef& r, const boost::json::object& obj, ApplyOptions options,
                                    std::string_view subresource = {}) {
        return apply_co(r, obj, std::move(options), std::string(subresource));
    }
    // DELETE. Returns the object when the server answers with it (deletion
    // pending, e.g. finalizers or foreground propagation), nullopt when the
    // server answers with a Status (gone).
    Task<std::optional<boost::json::object>> remove(const ResourceRef& r, std::string_view ns, std::string_view name,
                                                    DeleteOptions options = DeleteOptions()) {
        return remove_co(r, std::string(ns), std::string(name), std::move(options));
    }

    // Pod logs. Without follow: the whole (bounded) log. With follow: use follow_pod_logs.
    Task<std::string> pod_logs(std::string_view ns, std::string_view pod, LogOptions options = LogOptions()) {
        return pod_logs_co(std::string(ns), std::string(pod), std::move(options));
    }
    // Streams log bytes to on_data as they come, until the container ends,
    // the server closes, or stop is requested. Memory stays bounded.
    Task<void> follow_pod_logs(std::string_view ns, std::string_view pod, LogOptions options,
                               std::function<void(std::string_view)> on_data, std::stop_token stop = std::stop_token()) {
        return follow_pod_logs_co(std::string(ns), std::string(pod), std::move(options), std::move(on_data),
                                  std::move(stop));
    }

    // One watch request: calls on_event for each event as it is parsed from
    // the stream (newline-delimited JSON, constant memory). Returns when the
    // server ends the watch (timeout) or stop is requested; a dropped
    // connection throws TransportError; an ERROR event throws ApiError
    // (is_gone for 410). Reconnecting and re-listing is the Reflector's job.
    Task<void> watch(const ResourceRef& r, std::string_view ns, WatchOptions options,
                     std::function<void(WatchEvent&&)> on_event, std::stop_token stop = std::stop_token()) {
        return watch_co(r, std::string(ns), std::move(options), std::move(on_event), std::move(stop));
    }

    // Any request, with auth, rate limit, retries and metrics; no error mapping.
    Task<RawResponse> raw(RawRequest request) { return raw_co(std::move(request)); }

    // TLS connections opened so far (keep-alive reuse keeps this low).
    std::uint64_t connections_opened() const;
    // Pooled keep-alive connections, and closing those unused for max_idle or
    // longer (the Manager does it periodically, so a burst's connections and
    // their buffers do not stay for good).
    std::size_t idle_connections() const;
    std::size_t close_idle_connections(std::chrono::milliseconds max_idle);

private:
    Task<boost::json::object> get_co(ResourceRef r, std::string ns, std::string name, GetOptions options);
    Task<ObjectList> list_co(ResourceRef r, std::string ns, ListOptions options);
    Task<ObjectList> list_all_co(ResourceRef r, std::string ns, ListOptions options);
    Task<boost::json::object> create_co(ResourceRef r, boost::json::object obj, WriteOptions options);
    Task<boost::json::object> update_co(ResourceRef r, boost::json::object obj, WriteOptions options);
    Task<boost::json::object> update_status_co(ResourceRef r, boost::json::object obj, WriteOptions options);
    Task<boost::json::object> merge_patch_co(ResourceRef r, std::string ns, std::string name,
    boost::json::value patch, std::string subresource, WriteOptions options);
    Task<boost::json::object> apply_co(ResourceRef r, boost::json::object obj, ApplyOptions options,
    std::string subresource);
    Task<std::optional<boost::json::object>> remove_co(ResourceRef r, std::string ns, std::string name,
    DeleteOptions options);
    Task<std::string> pod_logs_co(std::string ns, std::string pod, LogOptions options);
    Task<void> follow_pod_logs_co(std::string ns, std::string pod, LogOptions options,
    std::function<void(std::string_view)> on_data, std::stop_token stop);
    Task<void> watch_co(ResourceRef r, std::string ns, WatchOptions options,
    std::function<void(WatchEvent&&)> on_event, std::stop_token stop);
    Task<RawResponse> raw_co(RawRequest request);

    struct Impl;
    std::shared_ptr<Impl> impl_;
};

}  // namespace sb::kube
