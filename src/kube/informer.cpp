#include "kube/informer.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "common/log.hpp"

namespace sb::kube {

namespace asio = boost::asio;
namespace json = boost::json;

namespace {

const json::object* object_at(const json::object& o, std::string_view key) {
    auto it = o.find(key);
    return it != o.end() && it->value().is_object() ? &it->value().get_object() : nullptr;
}

const json::object* metadata_of(const json::object& o) { return object_at(o, "metadata"); }

template <typename F>
void for_each_owner(const json::object& obj, F&& f) {
    auto md = metadata_of(obj);
    if (!md) return;
    auto refs = md->find("ownerReferences");
    if (refs == md->end() || !refs->value().is_array()) return;
    for (const auto& ref : refs->value().get_array())
        if (ref.is_object()) f(ref.get_object());
}

template <typename Handler, typename... Args>
void call_safely(const Handler& h, const std::string& resource, Args&&... args) {
    if (!h) return;
    try {
        h(std::forward<Args>(args)...);
    } catch (const std::exception& e) {
        log::error("informer event handler failed", {{"resource", boost::json::value(resource)}, {"error", boost::json::value(e.what())}});
    }
}

}  // namespace

IndexFunc namespace_index() {
    return [](const json::object& obj) -> std::vector<std::string> { return {std::string(object_namespace(obj))}; };
}

IndexFunc label_index(std::string label_key) {
    return [key = std::move(label_key)](const json::object& obj) -> std::vector<std::string> {
        auto md = metadata_of(obj);
        if (!md) return {};
        auto labels = object_at(*md, "labels");
        if (!labels) return {};
        auto it = labels->find(key);
        if (it == labels->end() || !it->value().is_string()) return {};
        return {std::string(it->value().get_string())};
    };
}

IndexFunc owner_uid_index() {
    return [](const json::object& obj) {
        std::vector<std::string> uids;
        for_each_owner(obj, [&](const json::object& ref) {
            if (auto u = ref.find("uid"); u != ref.end() && u->value().is_string()) uids.emplace_back(u->value().get_string());
        });
        return uids;
    };
}

IndexFunc controller_uid_index() {
    return [](const json::object& obj) {
        std::vector<std::string> uids;
        for_each_owner(obj, [&](const json::object& ref) {
            auto c = ref.find("controller");
            if (c == ref.end() || !c->value().is_bool() || !c->value().get_bool()) return;
            if (auto u = ref.find("uid"); u != ref.end() && u->value().is_string()) uids.emplace_back(u->value().get_string());
        });
        return uids;
    };
}

void strip_bulk_metadata(json::object& obj) {
    auto md = obj.find("metadata");
    if (md == obj.end() || !md->value().is_object()) return;
    auto& m = md->value().get_object();
    m.erase("managedFields");
    if (auto a = m.find("annotations"); a != m.end() && a->value().is_object()) {
        auto& annotations = a->value().get_object();
        annotations.erase("kubectl.kubernetes.io/last-applied-configuration");
        if (annotations.empty()) m.erase("annotations");
    }
}

// ---------------------------------------------------------------- Store

void Store::index_locked(const std::string& key, const json::object& obj) {
    for (const auto& [name, func] : index_funcs_) {
        auto& index = indexes_[name];
        for (auto& value : func(obj)) index[std::move(value)].insert(key);
    }
}

void Store::unindex_locked(const std::string& key, const json::object& obj) {
    for (const auto& [name, func] : index_funcs_) {
        auto& index = indexes_[name];
        for (const auto& value : func(obj)) {
            auto it = index.find(value);
            if (it == index.end()) continue;
            it->second.erase(key);
            if (it->second.empty()) index.erase(it);
        }
    }
}

Store::Entry Store::encode(const Object& obj) const {
    if (encoding_ == StoreEncoding::compact_json) return json::serialize(*obj);
    return obj;
}

Object Store::decode(const Entry& entry) {
    if (const auto* obj = std::get_if<Object>(&entry)) return *obj;
    // Serialized by this store: always one valid JSON object.
    auto value = json::parse(std::get<std::string>(entry));
    return std::make_shared<const json::object>(std::move(value.get_object()));
}

void Store::add_index(const std::string& name, IndexFunc func) {
    std::unique_lock lock(mutex_);
    if (index_funcs_.count(name)) throw std::invalid_argument("index '" + name + "' already exists");
    auto& index = indexes_[name];
    for (const auto& [key, entry] : items_)
        for (auto& value : func(*decode(entry))) index[std::move(value)].insert(key);
    index_funcs_.emplace(name, std::move(func));
}

Object Store::upsert(Object obj) {
    auto key = object_key(*obj);
    auto entry = encode(obj);
    std::unique_lock lock(mutex_);
    auto it = items_.find(key);
    Object previous;
    if (it != items_.end()) {
        previous = decode(it->second);
        unindex_locked(key, *previous);
        it->second = std::move(entry);
    } else {
        items_.emplace(key, std::move(entry));
    }
    index_locked(key, *obj);
    return previous;
}

Object Store::erase(const std::string& key) {
    std::unique_lock lock(mutex_);
    auto it = items_.find(key);
    if (it == items_.end()) return nullptr;
    Object removed = decode(it->second);
    items_.erase(it);
    unindex_locked(key, *removed);
    return removed;
}

std::vector<Object> Store::replace(std::vector<Object> objects) {
    std::unordered_map<std::string, Entry> fresh;
    fresh.reserve(objects.size());
    std::unique_lock lock(mutex_);  // readers see the old or the new content, never a mix
    for (auto& [name, index] : indexes_) index.clear();
    for (const auto& o : objects) {
        auto key = object_key(*o);
        index_locked(key, *o);
        fresh.insert_or_assign(std::move(key), encode(o));
    }
    std::swap(items_, fresh);
    std::vector<Object> dropped;
    for (const auto& [key, entry] : fresh)  // the previous items now
        if (!items_.count(key)) dropped.push_back(decode(entry));
    return dropped;
}

Object Store::get(const std::string& key) const {
    std::shared_lock lock(mutex_);
    auto it = items_.find(key);
    return it == items_.end() ? nullptr : decode(it->second);
}

Object Store::get(std::string_view ns, std::string_view name) const { return get(make_key(ns, name)); }

std::vector<Object> Store::list() const {
    std::shared_lock lock(mutex_);
    std::vector<Object> out;
    out.reserve(items_.size());
    for (const auto& [key, entry] : items_) out.push_back(decode(entry));
    return out;
}

std::vector<Object> Store::list_namespace(std::string_view ns) const {
    std::shared_lock lock(mutex_);
    std::vector<Object> out;
    for (const auto& [key, entry] : items_) {
        // Keys are "namespace/name", or "name" for cluster-scoped objects.
        auto slash = key.find('/');
        std::string_view key_ns = slash == std::string::npos ? std::string_view() : std::string_view(key).substr(0, slash);
        if (key_ns == ns) out.push_back(decode(entry));
    }
    return out;
}

std::vector<std::string> Store::keys() const {
    std::shared_lock lock(mutex_);
    std::vector<std::string> out;
    out.reserve(items_.size());
    for (const auto& [key, entry] : items_) out.push_back(key);
    return out;
}

std::size_t Store::size() const {
    std::shared_lock lock(mutex_);
    return items_.size();
}

std::vector<Object> Store::by_index(const std::string& name, const std::string& value) const {
    std::shared_lock lock(mutex_);
    if (!index_funcs_.count(name)) throw std::out_of_range("no index named '" + name + "'");
    std::vector<Object> out;
    auto idx = indexes_.find(name);
    if (idx == indexes_.end()) return out;
    auto it = idx->second.find(value);
    if (it == idx->second.end()) return out;
    for (const auto& key : it->second)
        if (auto entry = items_.find(key); entry != items_.end()) out.push_back(decode(entry->second));
    return out;
}

std::vector<std::string> Store::index_values(const std::string& name) const {
    std::shared_lock lock(mutex_);
    if (!index_funcs_.count(name)) throw std::out_of_range("no index named '" + name + "'");
    std::vector<std::string> out;
    if (auto idx = indexes_.find(name); idx != indexes_.end())
        for (const auto& [value, keys] : idx->second) out.push_back(value);
    return out;
}

// ---------------------------------------------------------------- Informer

namespace {
ReflectorOptions reflector_options(const InformerOptions& o) {
    ReflectorOptions r;
    r.namespace_ = o.namespace_;
    r.label_selector = o.label_selector;
    r.field_selector = o.field_selector;
    r.page_size = o.page_size;
    r.watch_timeout_seconds = o.watch_timeout_seconds;
    return r;
}
}  // namespace

Informer::Informer(Client client, ResourceRef resource, InformerOptions options)
    : client_(client),
      resource_(resource),
      options_(std::move(options)),
      store_(options_.encoding),
      reflector_(std::move(client), std::move(resource), reflector_options(options_),
                 ReflectorSink{options_.transform,
                               [this](std::vector<json::object>&& items, const std::string&) { on_replace(std::move(items)); },
                               [this](WatchEvent&& event) { on_event(std::move(event)); }}) {}

Object Informer::prepare(json::object&& obj) const {
    if (options_.transform) options_.transform(obj);
    return std::make_shared<const json::object>(std::move(obj));
}

void Informer::add_handlers(EventHandlers handlers) {
    if (handlers.on_add)
        for (const auto& obj : store_.list()) call_safely(handlers.on_add, resource_.display_name(), obj);
    handlers_.push_back(std::move(handlers));
}

// The reflector has transformed the items already, page by page.
void Informer::on_replace(std::vector<json::object>&& items) {
    std::vector<Object> fresh;
    fresh.reserve(items.size());
    for (auto& item : items) fresh.push_back(std::make_shared<const json::object>(std::move(item)));
    items.clear();
    items.shrink_to_fit();
    // Notify as if each difference had been watched.
    std::vector<std::pair<Object, Object>> changes;  // {old, new}; old null = added
    changes.reserve(fresh.size());
    for (const auto& obj : fresh) {
        auto old = store_.get(object_key(*obj));
        if (!old || object_resource_version(*old) != object_resource_version(*obj)) changes.emplace_back(old, obj);
    }
    auto dropped = store_.replace(std::move(fresh));
    const auto name = resource_.display_name();
    for (const auto& h : handlers_) {
        for (const auto& [old, now] : changes) {
            if (old)
                call_safely(h.on_update, name, old, now);
            else
                call_safely(h.on_add, name, now);
        }
        for (const auto& gone : dropped) call_safely(h.on_delete, name, gone);
    }
}

void Informer::on_event(WatchEvent&& event) {
    const auto name = resource_.display_name();
    auto obj = prepare(std::move(event.object));
    if (event.type == WatchEventType::deleted) {
        store_.erase(object_key(*obj));
        for (const auto& h : handlers_) call_safely(h.on_delete, name, obj);
        return;
    }
    auto old = store_.upsert(obj);
    for (const auto& h : handlers_) {
        if (old)
            call_safely(h.on_update, name, old, obj);
        else
            call_safely(h.on_add, name, obj);
    }
}

Task<void> Informer::run(std::stop_token stop) { co_await reflector_.run(stop); }

Task<bool> Informer::wait_for_sync_co(std::stop_token stop) {
    auto ex = client_.executor();
    while (!has_synced() && !stop.stop_requested()) {
        asio::steady_timer timer(ex, std::chrono::milliseconds(20));
        co_await timer.async_wait(asio::use_awaitable);
    }
    co_return has_synced();
}

// ---------------------------------------------------------------- InformerFactory

InformerFactory::InformerFactory(Client client) : client_(std::move(client)) {}

Informer& InformerFactory::informer(const ResourceRef& resource, const InformerOptions& options) {
    std::lock_guard lock(mutex_);
    auto key = resource.display_name() + "|" + options.namespace_ + "|" + options.label_selector + "|" +
               options.field_selector;
    auto it = informers_.find(key);
    if (it != informers_.end()) return *it->second;
    auto& inf = *(informers_[key] = std::make_unique<Informer>(client_, resource, options));
    if (stop_) asio::co_spawn(client_.executor(), inf.run(*stop_), asio::detached);
    return inf;
}

void InformerFactory::start(std::stop_token stop) {
    std::lock_guard lock(mutex_);
    if (stop_) return;
    stop_ = stop;
    for (auto& [key, inf] : informers_) asio::co_spawn(client_.executor(), inf->run(stop), asio::detached);
}

Task<bool> InformerFactory::wait_for_sync_co(std::stop_token stop) {
    std::vector<Informer*> all;
    {
        std::lock_guard lock(mutex_);
        for (auto& [key, inf] : informers_) all.push_back(inf.get());
    }
    for (auto* inf : all)
        if (!co_await inf->wait_for_sync(stop)) co_return false;
    co_return true;
}

}  // namespace sb::kube
