#pragma once
// Informer cache: a Reflector feeding a Store (objects keyed "ns/name", with
// secondary indexes) and event handlers. Objects pass through a transform
// before they are stored; the default drops metadata.managedFields and the
// kubectl last-applied annotation, which are often most of an object's size.
//
//   sb::kube::Informer pods(client, sb::kube::resources::pods);
//   pods.add_index("owner", sb::kube::owner_uid_index());
//   pods.add_handlers({.on_add = [&](const Object& o) { queue.add(object_key(*o)); }});
//   co_spawn(ex, pods.run(stop), detached);
//   co_await pods.wait_for_sync();
//
// Handlers run on the informer's coroutine, in event order. Store reads are
// thread-safe; stored objects are immutable (shared_ptr<const object>).
#include <boost/json/object.hpp>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <shared_mutex>
#include <stop_token>
#include <string>
#include <unordered_map>
#include <variant>
#include <vector>

#include "kube/client.hpp"
#include "kube/watch.hpp"

namespace sb::kube {

using Object = std::shared_ptr<const boost::json::object>;
// The index values of one object (an object may have several or none).
using IndexFunc = std::function<std::vector<std::string>(const boost::json::object&)>;
using TransformFunc = std::function<void(boost::json::object&)>;

// Built-in index functions.
IndexFunc namespace_index();                       // metadata.namespace
IndexFunc label_index(std::string label_key);      // value of one label
IndexFunc owner_uid_index();                       // every ownerReferences[].uid
IndexFunc controller_uid_index();                  // the ownerReference with controller: true

// The default transform: erase metadata.managedFields and the
// kubectl.kubernetes.io/last-applied-configuration annotation.
void strip_bulk_metadata(boost::json::object& obj);

// How a Store keeps its objects.
enum class StoreEncoding {
    // boost::json objects: reads are free, each object takes ~4x its JSON size.
    objects,
    // Compact serialized JSON, parsed on every read (a few microseconds per
    // object): ~4x less memory. For caches that are read once per reconcile.
    compact_json,
};

class Store {
public:
    explicit Store(StoreEncoding encoding = StoreEncoding::objects) : encoding_(encoding) {}
    StoreEncoding encoding() const { return encoding_; }

    // Adding an index after objects are stored indexes them too.
    void add_index(const std::string& name, IndexFunc func);

    // Returns the previous object under the same key, if any.
    Object upsert(Object obj);
    // Returns the removed object, if it was there.
    Object erase(const std::string& key);
    // Replaces everything; returns the objects that were dropped.
    std::vector<Object> replace(std::vector<Object> objects);

    Object get(const std::string& key) const;
    Object get(std::string_view ns, std::string_view name) const;
    std::vector<Object> list() const;
    std::vector<Object> list_namespace(std::string_view ns) const;
    std::vector<std::string> keys() const;
    std::size_t size() const;
    // Objects whose index `name` contains `value`. Throws std::out_of_range for an unknown index.
    std::vector<Object> by_index(const std::string& name, const std::string& value) const;
    std::vector<std::string> index_values(const std::string& name) const;

private:
    // One stored object: shared (objects) or serialized (compact_json).
    using Entry = std::variant<Object, std::string>;
    Entry encode(const Object& obj) const;
    static Object decode(const Entry& entry);

    void index_locked(const std::string& key, const boost::json::object& obj);
    void unindex_locked(const std::string& key, const boost::json::object& obj);

    const StoreEncoding encoding_;
    mutable std::shared_mutex mutex_;
    std::unordered_map<std::string, Entry> items_;
    std::map<std::string, IndexFunc> index_funcs_;
    // index name -> value -> keys
    std::map<std::string, std::unordered_map<std::string, std::set<std::string>>> indexes_;
};

struct EventHandlers {
    std::function<void(const Object&)> on_add;
    std::function<void(const Object& old_obj, const Object& new_obj)> on_update;
    std::function<void(const Object&)> on_delete;
};

struct InformerOptions {
    std::string namespace_;        // "" = all namespaces
    std::string label_selector;
    std::string field_selector;
    // Applied to every object before it is stored and handed to handlers.
    // Default: strip_bulk_metadata. Set to an empty function to keep objects whole.
    TransformFunc transform = strip_bulk_metadata;
    std::int64_t page_size = 500;
    int watch_timeout_seconds = 300;
    // compact_json: the cache keeps serialized objects (see StoreEncoding).
    StoreEncoding encoding = StoreEncoding::objects;
};

class Informer {
public:
    Informer(Client client, ResourceRef resource, InformerOptions options = {});
    Informer(const Informer&) = delete;
    Informer& operator=(const Informer&) = delete;

    const ResourceRef& resource() const { return resource_; }
    Store& store() { return store_; }
    const Store& store() const { return store_; }
    void add_index(const std::string& name, IndexFunc func) { store_.add_index(name, std::move(func)); }
    // Handlers added after objects are cached get an on_add for each of them
    // (like client-go's late AddEventHandler).
    void add_handlers(EventHandlers handlers);

    // Lists and watches until stop is requested.
    Task<void> run(std::stop_token stop);
    bool has_synced() const { return reflector_.has_synced(); }
    // Waits (polling cheaply) until the first list has been stored, or stop.
    // Returns has_synced().
    Task<bool> wait_for_sync(std::stop_token stop = std::stop_token()) { return wait_for_sync_co(std::move(stop)); }
    const Reflector& reflector() const { return reflector_; }

private:
    Task<bool> wait_for_sync_co(std::stop_token stop);
    void on_replace(std::vector<boost::json::object>&& items);
    void on_event(WatchEvent&& event);
    Object prepare(boost::json::object&& obj) const;

    Client client_;
    ResourceRef resource_;
    InformerOptions options_;
    Store store_;
    std::vector<EventHandlers> handlers_;
    Reflector reflector_;
};

// One informer per (resource, namespace, selectors), shared between
// controllers; its transform, page size and encoding are those of the first
// request.
class InformerFactory {
public:
    explicit InformerFactory(Client client);
    // Created on first use; started at once when the factory is already running.
    Informer& informer(const ResourceRef& resource, const InformerOptions& options = {});
    // Starts every informer (co_spawn on the client's executor) and any created later.
    void start(std::stop_token stop);
    // True when every informer has synced.
    Task<bool> wait_for_sync(std::stop_token stop = std::stop_token()) { return wait_for_sync_co(std::move(stop)); }
    Client& client() { return client_; }

private:
    Task<bool> wait_for_sync_co(std::stop_token stop);
    Client client_;
    std::optional<std::stop_token> stop_;
    std::map<std::string, std::unique_ptr<Informer>> informers_;
    std::mutex mutex_;
};

}  // namespace sb::kube
