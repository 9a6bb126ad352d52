#include "kube/client.hpp"

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json.hpp>
#include <random>

#include "common/json_fields.hpp"
#include "common/metrics.hpp"
#include "kube/credentials.hpp"
#include "kube/http_transport.hpp"
#include "kube/line_splitter.hpp"
#include "kube/rate_limiter.hpp"

namespace sb::kube {

namespace asio = boost::asio;
namespace json = boost::json;
using asio::use_awaitable;
using Clock = std::chrono::steady_clock;

namespace {

constexpr int kMaxThrottleRetries = 10;     // 429 / Retry-After, like client-go
constexpr int kMaxConnectionRetries = 4;
constexpr auto kMaxRetryAfter = std::chrono::seconds(60);

std::string percent_encode(std::string_view in) {
    static const char* hex = "0123456789ABCDEF";
    std::string out;
    out.reserve(in.size());
    for (unsigned char c : in) {
        if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
            out += static_cast<char>(c);
        } else {
            out += '%';
            out += hex[c >> 4];
            out += hex[c & 15];
        }
    }
    return out;
}

using Query = std::vector<std::pair<std::string, std::string>>;

std::string with_query(std::string path, const Query& query) {
    char sep = '?';
    for (const auto& [k, v] : query) {
        path += sep;
        path += percent_encode(k);
        path += '=';
        path += percent_encode(v);
        sep = '&';
    }
    return path;
}

void add_write_options(Query& q, const WriteOptions& o) {
    if (!o.field_manager.empty()) q.emplace_back("fieldManager", o.field_manager);
    if (o.dry_run) q.emplace_back("dryRun", "All");
}

json::object parse_object(const std::string& body, std::string_view what) {
    json::error_code ec;
    auto v = json::parse(body, ec);
    if (ec || !v.is_object()) throw TransportError(std::string(what) + ": the server's answer is not a JSON object");
    return std::move(v.get_object());
}

// Everything one API call needs besides the transport.
struct Call {
    std::string verb;       // for metrics: get, list, create, ...
    std::string resource;   // for metrics
    std::string method;     // HTTP
    std::string target;     // path + query
    std::string body;
    std::string content_type = "application/json";
    std::string accept = "application/json";
    bool idempotent = false;
};

std::chrono::milliseconds jittered(std::chrono::milliseconds base) {
    thread_local std::mt19937 rng{std::random_device{}()};
    std::uniform_int_distribution<long> dist(base.count() / 2, base.count());
    return std::chrono::milliseconds(dist(rng));
}

}  // namespace

struct Client::Impl {
    asio::any_io_executor executor;
    ClusterConfig config;
    detail::HttpTransport transport;
    detail::Credentials credentials;
    TokenBucket bucket;
    metrics::Family<metrics::Counter>& requests;
    metrics::Family<metrics::Histogram>& latency;

    Impl(asio::any_io_executor ex, ClusterConfig cfg)
        : executor(std::move(ex)),
          config(std::move(cfg)),
          transport(executor, config.server,
                    detail::TlsSettings{config.ca_pem, config.insecure_skip_tls_verify, config.tls_server_name,
                                        config.client_cert_pem, config.client_key_pem}),
          credentials(config),
          bucket(config.qps, config.burst),
          requests(metrics::Registry::global().counter("sb_kube_api_requests_total",
                                                        "Kubernetes API requests by verb, resource and HTTP code",
                                                        {"verb", "resource", "code"})),
          latency(metrics::Registry::global().histogram("sb_kube_api_request_duration_seconds",
                                                         "Kubernetes API request latency (until the response headers)",
                                                         {"verb", "resource"})) {}

    asio::awaitable<void> sleep(std::chrono::nanoseconds d) {
        if (d <= std::chrono::nanoseconds::zero()) co_return;
        asio::steady_timer timer(executor, d);
        co_await timer.async_wait(use_awaitable);
    }

    asio::awaitable<detail::HttpRequest> prepare(const Call& call) {
        co_await sleep(bucket.reserve());
        detail::HttpRequest req;
        req.method = call.method;
        req.target = call.target;
        req.body = call.body;
        req.headers.emplace_back("Accept", call.accept);
        req.headers.emplace_back("User-Agent", config.user_agent);
        if (!call.body.empty() || call.method == "POST" || call.method == "PUT" || call.method == "PATCH")
            req.headers.emplace_back("Content-Type", call.content_type);
        auto auth = co_await credentials.authorization(executor, transport);
        if (!auth.empty()) req.headers.emplace_back("Authorization", std::move(auth));
        co_return req;
    }

    void record(const Call& call, int code, Clock::time_point started) {
        requests.with({call.verb, call.resource, code ? std::to_string(code) : std::string("error")}).inc();
        latency.with({call.verb, call.resource}).observe(std::chrono::duration<double>(Clock::now() - started).count());
    }

    // Sends with rate limit, auth refresh on 401, throttling retries and
    // connection retries where safe. Returns whatever status the server gave.
    asio::awaitable<detail::HttpResponse> execute(const Call& call) {
        int throttled = 0, connection_failures = 0;
        bool refreshed = false;
        for (;;) {
            auto req = co_await prepare(call);
            auto started = Clock::now();
            detail::HttpResponse res;
            std::optional<std::chrono::milliseconds> retry_in;
            try {
                res = co_await transport.send(req, std::chrono::duration_cast<std::chrono::milliseconds>(config.request_timeout));
            } catch (const detail::ConnectionError& e) {
                record(call, 0, started);
                bool safe = call.idempotent || !e.request_may_have_reached_server();
                if (!safe || ++connection_failures > kMaxConnectionRetries) throw;
                retry_in = jittered(std::chrono::milliseconds(200) * (1 << connection_failures));
            }
            if (!retry_in) {
                record(call, res.status, started);
                if (res.status == 401 && !refreshed && credentials.invalidate()) {
                    refreshed = true;
                    continue;
                }
                bool throttle = res.status == 429 || (res.status >= 500 && res.retry_after);
                if (!throttle || ++throttled > kMaxThrottleRetries) co_return res;
                auto wait = res.retry_after ? std::min<std::chrono::seconds>(*res.retry_after, kMaxRetryAfter)
                                            : std::chrono::seconds(1);
                retry_in = std::max<std::chrono::milliseconds>(wait, std::chrono::milliseconds(100));
            }
            co_await sleep(*retry_in);
        }
    }

    // execute() that throws ApiError for anything but 2xx.
    asio::awaitable<detail::HttpResponse> execute_ok(const Call& call) {
        auto res = co_await execute(call);
        if (res.status < 200 || res.status >= 300) throw ApiError(res.status, res.body, res.retry_after);
        co_return res;
    }

    asio::awaitable<json::object> object_call(const Call& call) {
        auto res = co_await execute_ok(call);
        co_return parse_object(res.body, call.verb + " " + call.resource);
    }

    // A streamed GET: on_body gets the 2xx body as it arrives.
    asio::awaitable<void> stream_call(const Call& call, const std::function<void(std::string_view)>& on_body,
                                      std::stop_token stop, std::chrono::milliseconds idle_timeout) {
        bool refreshed = false;
        for (;;) {
            auto req = co_await prepare(call);
            auto started = Clock::now();
            detail::HttpResponse res;
            try {
                res = co_await transport.stream(req, on_body, stop, idle_timeout);
            } catch (const detail::ConnectionError&) {
                record(call, 0, started);
                throw;
            }
            if (stop.stop_requested() && res.status == 0) co_return;
            record(call, res.status, started);
            if (res.status == 401 && !refreshed && credentials.invalidate()) {
                refreshed = true;
                continue;
            }
            if (res.status < 200 || res.status >= 300) throw ApiError(res.status, res.body, res.retry_after);
            co_return;
        }
    }

    std::string namespace_for(const ResourceRef& r, std::string_view ns) const {
        if (!r.namespaced) return {};
        return ns.empty() ? config.default_namespace : std::string(ns);
    }
};

Client::Client(asio::any_io_executor executor, ClusterConfig config)
    : impl_(std::make_shared<Impl>(std::move(executor), std::move(config))) {}

const ClusterConfig& Client::config() const { return impl_->config; }
const std::string& Client::default_namespace() const { return impl_->config.default_namespace; }
asio::any_io_executor Client::executor() const { return impl_->executor; }
std::uint64_t Client::connections_opened() const { return impl_->transport.connections_opened(); }
std::size_t Client::idle_connections() const { return impl_->transport.idle_connections(); }
std::size_t Client::close_idle_connections(std::chrono::milliseconds max_idle) {
    return impl_->transport.close_idle_connections(max_idle);
}

Task<json::object> Client::get_co(ResourceRef r, std::string ns, std::string name, GetOptions options) {
    auto impl = impl_;
    Query q;
    if (!options.resource_version.empty()) q.emplace_back("resourceVersion", options.resource_version);
    Call call{"get", r.display_name(), "GET", with_query(r.object_path(r.namespaced ? ns : "", name), q)};
    call.idempotent = true;
    co_return co_await impl->object_call(call);
}

Task<ObjectList> Client::list_co(ResourceRef r, std::string ns, ListOptions options) {
    auto impl = impl_;
    Query q;
    if (!options.label_selector.empty()) q.emplace_back("labelSelector", options.label_selector);
    if (!options.field_selector.empty()) q.emplace_back("fieldSelector", options.field_selector);
    if (options.limit > 0) q.emplace_back("limit", std::to_string(options.limit));
    if (!options.continue_.empty()) q.emplace_back("continue", options.continue_);
    if (!options.resource_version.empty()) q.emplace_back("resourceVersion", options.resource_version);
    if (options.timeout_seconds) q.emplace_back("timeoutSeconds", std::to_string(*options.timeout_seconds));
    Call call{"list", r.display_name(), "GET", with_query(r.collection_path(r.namespaced ? ns : ""), q)};
    call.idempotent = true;
    auto body = co_await impl->object_call(call);

    ObjectList out;
    if (auto md = body.find("metadata"); md != body.end() && md->value().is_object()) {
        const auto& m = md->value().get_object();
        out.resource_version = get_string(m, "resourceVersion");
        out.continue_ = get_string(m, "continue");
        if (auto rc = m.find("remainingItemCount"); rc != m.end() && rc->value().is_int64())
            out.remaining_item_count = rc->value().get_int64();
    }
    // Items of a list carry no apiVersion/kind; fill them in from the list's.
    std::string api_version = get_string(body, "apiVersion");
    std::string kind = get_string(body, "kind");
    if (kind.ends_with("List")) kind.resize(kind.size() - 4);
    if (auto items = body.find("items"); items != body.end() && items->value().is_array()) {
        auto& arr = items->value().get_array();
        out.items.reserve(arr.size());
        for (auto& item : arr) {
            if (!item.is_object()) continue;
            auto& obj = item.get_object();
            if (!obj.contains("apiVersion")) obj["apiVersion"] = api_version;
            if (!obj.contains("kind")) obj["kind"] = kind;
            out.items.push_back(std::move(obj));
        }
    }
    co_return out;
}

Task<ObjectList> Client::list_all_co(ResourceRef r, std::string ns, ListOptions options) {
    if (options.limit <= 0) options.limit = 500;
    ObjectList all;
    for (;;) {
        auto page = co_await list(r, ns, options);
        if (all.items.empty())
            all.items = std::move(page.items);
        else
            std::move(page.items.begin(), page.items.end(), std::back_inserter(all.items));
        all.resource_version = page.resource_version;
        if (page.continue_.empty()) break;
        options.continue_ = std::move(page.continue_);
    }
    co_return all;
}

Task<json::object> Client::create_co(ResourceRef r, json::object obj, WriteOptions options) {
    auto impl = impl_;
    Query q;
    add_write_options(q, options);
    auto ns = impl->namespace_for(r, object_namespace(obj));
    Call call{"create", r.display_name(), "POST", with_query(r.collection_path(ns), q), json::serialize(obj)};
    co_return co_await impl->object_call(call);
}

Task<json::object> Client::update_co(ResourceRef r, json::object obj, WriteOptions options) {
    auto impl = impl_;
    Query q;
    add_write_options(q, options);
    auto ns = impl->namespace_for(r, object_namespace(obj));
    Call call{"update", r.display_name(), "PUT", with_query(r.object_path(ns, object_name(obj)), q), json::serialize(obj)};
    call.idempotent = true;  // carries resourceVersion: a replay fails with Conflict, never applies twice
    co_return co_await impl->object_call(call);
}

Task<json::object> Client::update_status_co(ResourceRef r, json::object obj, WriteOptions options) {
    auto impl = impl_;
    Query q;
    add_write_options(q, options);
    auto ns = impl->namespace_for(r, object_namespace(obj));
    Call call{"update_status", r.display_name(), "PUT", with_query(r.object_path(ns, object_name(obj), "status"), q),
              json::serialize(obj)};
    call.idempotent = true;
    co_return co_await impl->object_call(call);
}

Task<json::object> Client::merge_patch_co(ResourceRef r, std::string ns, std::string name,
                                       json::value patch, std::string subresource, WriteOptions options) {
    auto impl = impl_;
    Query q;
    add_write_options(q, options);
    Call call{"patch", r.display_name(), "PATCH",
              with_query(r.object_path(impl->namespace_for(r, ns), name, subresource), q), json::serialize(patch)};
    call.content_type = "application/merge-patch+json";
    co_return co_await impl->object_call(call);
}

Task<json::object> Client::apply_co(ResourceRef r, json::object obj, ApplyOptions options,
                                 std::string subresource) {
    auto impl = impl_;
    if (options.field_manager.empty()) throw std::invalid_argument("apply needs a field manager");
    if (object_name(obj).empty()) throw std::invalid_argument("apply needs metadata.name");
    Query q{{"fieldManager", options.field_manager}};
    if (options.force) q.emplace_back("force", "true");
    if (options.dry_run) q.emplace_back("dryRun", "All");
    Call call{"apply", r.display_name(), "PATCH",
              with_query(r.object_path(impl->namespace_for(r, object_namespace(obj)), object_name(obj), subresource), q),
              json::serialize(obj)};
    call.content_type = "application/apply-patch+yaml";  // JSON is YAML
    call.idempotent = true;  // applying the same intent twice is the same
    co_return co_await impl->object_call(call);
}

Task<std::optional<json::object>> Client::remove_co(ResourceRef r, std::string ns, std::string name,
                                                 DeleteOptions options) {
    auto impl = impl_;
    json::object body{{"kind", "DeleteOptions"}, {"apiVersion", "v1"}};
    switch (options.propagation) {
        case PropagationPolicy::orphan: body["propagationPolicy"] = "Orphan"; break;
        case PropagationPolicy::background: body["propagationPolicy"] = "Background"; break;
        case PropagationPolicy::foreground: body["propagationPolicy"] = "Foreground"; break;
        case PropagationPolicy::unset: break;
    }
    if (options.grace_period_seconds) body["gracePeriodSeconds"] = *options.grace_period_seconds;
    if (!options.precondition_uid.empty() || !options.precondition_resource_version.empty()) {
        json::object pre;
        if (!options.precondition_uid.empty()) pre["uid"] = options.precondition_uid;
        if (!options.precondition_resource_version.empty()) pre["resourceVersion"] = options.precondition_resource_version;
        body["preconditions"] = std::move(pre);
    }
    if (options.dry_run) body["dryRun"] = json::array{"All"};
    Call call{"delete", r.display_name(), "DELETE", r.object_path(impl->namespace_for(r, ns), name), json::serialize(body)};
    call.idempotent = true;
    auto res = co_await impl->object_call(call);
    if (get_string(res, "kind") == "Status") co_return std::nullopt;
    co_return res;
}

namespace {
Query log_query(const LogOptions& o, bool follow) {
    Query q;
    if (!o.container.empty()) q.emplace_back("container", o.container);
    if (follow) q.emplace_back("follow", "true");
    if (o.timestamps) q.emplace_back("timestamps", "true");
    if (o.previous) q.emplace_back("previous", "true");
    if (o.tail_lines) q.emplace_back("tailLines", std::to_string(*o.tail_lines));
    if (o.since_seconds) q.emplace_back("sinceSeconds", std::to_string(*o.since_seconds));
    if (o.limit_bytes) q.emplace_back("limitBytes", std::to_string(*o.limit_bytes));
    return q;
}
}  // namespace

Task<std::string> Client::pod_logs_co(std::string ns, std::string pod, LogOptions options) {
    auto impl = impl_;
    Call call{"logs", "pods", "GET",
              with_query(resources::pods.object_path(impl->namespace_for(resources::pods, ns), pod, "log"),
                         log_query(options, false))};
    call.accept = "*/*";
    call.idempotent = true;
    auto res = co_await impl->execute_ok(call);
    co_return std::move(res.body);
}

Task<void> Client::follow_pod_logs_co(std::string ns, std::string pod, LogOptions options,
                                   std::function<void(std::string_view)> on_data, std::stop_token stop) {
    auto impl = impl_;
    Call call{"logs", "pods", "GET",
              with_query(resources::pods.object_path(impl->namespace_for(resources::pods, ns), pod, "log"),
                         log_query(options, true))};
    call.accept = "*/*";
    co_await impl->stream_call(call, on_data, stop, std::chrono::milliseconds(0));
}

namespace {
WatchEventType parse_event_type(std::string_view t) {
    if (t == "ADDED") return WatchEventType::added;
    if (t == "MODIFIED") return WatchEventType::modified;
    if (t == "DELETED") return WatchEventType::deleted;
    if (t == "BOOKMARK") return WatchEventType::bookmark;
    if (t == "ERROR") return WatchEventType::error;
    throw TransportError("watch: unknown event type '" + std::string(t) + "'");
}
}  // namespace

Task<void> Client::watch_co(ResourceRef r, std::string ns, WatchOptions options,
                         std::function<void(WatchEvent&&)> on_event, std::stop_token stop) {
    auto impl = impl_;
    Query q{{"watch", "true"}};
    if (!options.label_selector.empty()) q.emplace_back("labelSelector", options.label_selector);
    if (!options.field_selector.empty()) q.emplace_back("fieldSelector", options.field_selector);
    if (!options.resource_version.empty()) q.emplace_back("resourceVersion", options.resource_version);
    if (options.allow_bookmarks) q.emplace_back("allowWatchBookmarks", "true");
    if (options.timeout_seconds > 0) q.emplace_back("timeoutSeconds", std::to_string(options.timeout_seconds));
    Call call{"watch", r.display_name(), "GET", with_query(r.collection_path(r.namespaced ? ns : ""), q)};

    LineSplitter splitter;
    json::parser parser;  // reused for every event: its buffers are recycled
    auto on_line = [&](std::string_view line) {
        parser.reset();
        json::error_code ec;
        parser.write(line, ec);  // one complete JSON text
        if (ec) throw TransportError("watch " + r.display_name() + ": malformed event: " + ec.message());
        auto value = parser.release();
        if (!value.is_object()) throw TransportError("watch " + r.display_name() + ": event is not an object");
        auto& ev = value.get_object();
        WatchEvent event;
        event.type = parse_event_type(get_string(ev, "type"));
        if (auto o = ev.find("object"); o != ev.end() && o->value().is_object()) event.object = std::move(o->value().get_object());
        if (event.type == WatchEventType::error) {
            int code = 500;
            if (auto c = event.object.find("code"); c != event.object.end() && c->value().is_int64())
                code = static_cast<int>(c->value().get_int64());
            throw ApiError(code, json::serialize(event.object));
        }
        on_event(std::move(event));
    };
    // The server ends a watch after timeoutSeconds; silence well beyond that means a dead peer.
    auto idle = std::chrono::milliseconds((options.timeout_seconds > 0 ? options.timeout_seconds : 600) * 1000 + 60000);
    co_await impl->stream_call(call, [&](std::string_view chunk) { splitter.feed(chunk, on_line); }, stop, idle);
}

Task<RawResponse> Client::raw_co(RawRequest request) {
    auto impl = impl_;
    Call call{"raw", "raw", request.method, with_query(request.path, request.query), std::move(request.body)};
    call.content_type = request.content_type;
    call.accept = request.accept;
    call.idempotent = request.method == "GET" || request.method == "HEAD";
    auto res = co_await impl->execute(call);
    co_return RawResponse{res.status, res.content_type, std::move(res.body)};
}

}  // namespace sb::kube
