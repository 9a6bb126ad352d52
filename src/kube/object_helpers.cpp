#include "kube/object_helpers.hpp"

#include <boost/json.hpp>

namespace sb::kube {

namespace json = boost::json;

namespace {

json::object& metadata_of(json::object& obj) {
    auto& m = obj["metadata"];
    if (!m.is_object()) m = json::object{};
    return m.get_object();
}

const json::object* metadata_of(const json::object& obj) {
    const auto* m = obj.if_contains("metadata");
    return m && m->is_object() ? &m->get_object() : nullptr;
}

const json::array* array_field(const json::object* obj, std::string_view name) {
    if (!obj) return nullptr;
    const auto* v = obj->if_contains(name);
    return v && v->is_array() ? &v->get_array() : nullptr;
}

std::string_view string_field(const json::object& obj, std::string_view name) {
    const auto* v = obj.if_contains(name);
    return v && v->is_string() ? std::string_view(v->get_string()) : std::string_view{};
}

bool is_true(const json::object& obj, std::string_view name) {
    const auto* v = obj.if_contains(name);
    return v && v->is_bool() && v->get_bool();
}

std::string_view api_group_of(std::string_view api_version) {
    auto slash = api_version.find('/');
    return slash == std::string_view::npos ? std::string_view{} : api_version.substr(0, slash);
}

// Same owner: same API group, kind and name (controller-runtime's referSameObject).
bool same_owner(const json::object& a, const json::object& b) {
    return api_group_of(string_field(a, "apiVersion")) == api_group_of(string_field(b, "apiVersion")) &&
           string_field(a, "kind") == string_field(b, "kind") && string_field(a, "name") == string_field(b, "name");
}

void check_owner_scope(const json::object& owner, const json::object& obj) {
    const auto owner_ns = object_namespace(owner);
    if (owner_ns.empty()) return;  // cluster-scoped owners may own anything
    const auto obj_ns = object_namespace(obj);
    if (obj_ns.empty())
        throw std::invalid_argument("cluster-scoped " + std::string(object_name(obj)) +
                                    " cannot be owned by namespaced " + std::string(object_key(owner)));
    if (obj_ns != owner_ns)
        throw std::invalid_argument("cross-namespace owner reference from " + object_key(obj) + " to " +
                                    object_key(owner) + " is not allowed");
}

void upsert_owner_reference(json::object& obj, json::object ref) {
    auto& refs = metadata_of(obj)["ownerReferences"];
    if (!refs.is_array()) refs = json::array{};
    for (auto& existing : refs.get_array()) {
        if (existing.is_object() && same_owner(existing.get_object(), ref)) {
            existing = std::move(ref);
            return;
        }
    }
    refs.get_array().push_back(std::move(ref));
}

}  // namespace

bool has_finalizer(const json::object& obj, std::string_view finalizer) {
    if (const auto* list = array_field(metadata_of(obj), "finalizers"))
        for (const auto& f : *list)
            if (f.is_string() && f.get_string() == finalizer) return true;
    return false;
}

bool add_finalizer(json::object& obj, std::string_view finalizer) {
    if (has_finalizer(obj, finalizer)) return false;
    auto& list = metadata_of(obj)["finalizers"];
    if (!list.is_array()) list = json::array{};
    list.get_array().emplace_back(finalizer);
    return true;
}

bool remove_finalizer(json::object& obj, std::string_view finalizer) {
    auto& meta = metadata_of(obj);
    auto* list = meta.if_contains("finalizers");
    if (!list || !list->is_array()) return false;
    auto& arr = list->get_array();
    bool removed = false;
    for (auto it = arr.begin(); it != arr.end();) {
        if (it->is_string() && it->get_string() == finalizer) {
            it = arr.erase(it);
            removed = true;
        } else {
            ++it;
        }
    }
    if (arr.empty()) meta.erase("finalizers");
    return removed;
}

bool is_being_deleted(const json::object& obj) {
    const auto* meta = metadata_of(obj);
    return meta && !string_field(*meta, "deletionTimestamp").empty();
}

json::object owner_reference(const json::object& owner, bool controller, bool block_owner_deletion) {
    const auto api_version = string_field(owner, "apiVersion");
    const auto kind = string_field(owner, "kind");
    if (api_version.empty() || kind.empty() || object_name(owner).empty() || object_uid(owner).empty())
        throw std::invalid_argument("an owner needs apiVersion, kind, metadata.name and metadata.uid");
    return json::object{{"apiVersion", api_version},
                        {"kind", kind},
                        {"name", object_name(owner)},
                        {"uid", object_uid(owner)},
                        {"controller", controller},
                        {"blockOwnerDeletion", block_owner_deletion}};
}

void set_controller_reference(const json::object& owner, json::object& obj) {
    check_owner_scope(owner, obj);
    auto ref = owner_reference(owner, true, true);
    if (const auto* current = controller_of(obj); current && !same_owner(*current, ref))
        throw AlreadyOwnedError(object_key(obj) + " is already controlled by " +
                                std::string(string_field(*current, "kind")) + " " +
                                std::string(string_field(*current, "name")));
    upsert_owner_reference(obj, std::move(ref));
}

void set_owner_reference(const json::object& owner, json::object& obj) {
    check_owner_scope(owner, obj);
    upsert_owner_reference(obj, owner_reference(owner, false, false));
}

bool remove_owner_reference(json::object& obj, std::string_view owner_uid) {
    auto& meta = metadata_of(obj);
    auto* refs = meta.if_contains("ownerReferences");
    if (!refs || !refs->is_array()) return false;
    auto& arr = refs->get_array();
    const auto before = arr.size();
    for (auto it = arr.begin(); it != arr.end();) {
        if (it->is_object() && string_field(it->get_object(), "uid") == owner_uid)
            it = arr.erase(it);
        else
            ++it;
    }
    const bool removed = arr.size() != before;
    if (arr.empty()) meta.erase("ownerReferences");  // invalidates arr
    return removed;
}

const json::object* controller_of(const json::object& obj) {
    if (const auto* refs = array_field(metadata_of(obj), "ownerReferences"))
        for (const auto& r : *refs)
            if (r.is_object() && is_true(r.get_object(), "controller")) return &r.get_object();
    return nullptr;
}

bool is_controlled_by(const json::object& obj, const json::object& owner) {
    const auto* ref = controller_of(obj);
    return ref && string_field(*ref, "uid") == object_uid(owner) && !object_uid(owner).empty();
}

std::string_view to_string(OperationResult r) {
    switch (r) {
        case OperationResult::unchanged: return "unchanged";
        case OperationResult::created: return "created";
        case OperationResult::updated: return "updated";
    }
    return "unknown";
}

boost::asio::awaitable<OperationResult> create_or_update(Client& client, const ResourceRef& resource,
                                                         std::string_view ns, std::string_view name,
                                                         const std::function<void(json::object&)>& mutate,
                                                         json::object* out, WriteOptions options) {
    std::optional<json::object> existing;
    try {
        existing = co_await client.get(resource, ns, name);
    } catch (const ApiError& e) {
        if (!is_not_found(e)) throw;
    }
    if (!existing) {
        json::object fresh{{"apiVersion", resource.api_version()}, {"kind", resource.kind}};
        auto& meta = metadata_of(fresh);
        meta["name"] = name;
        if (resource.namespaced) meta["namespace"] = ns;
        mutate(fresh);
        if (object_name(fresh) != name || (resource.namespaced && object_namespace(fresh) != ns))
            throw std::invalid_argument("create_or_update: mutate changed the name or namespace of " +
                                        make_key(ns, name));
        auto created = co_await client.create(resource, std::move(fresh), options);
        if (out) *out = std::move(created);
        co_return OperationResult::created;
    }
    json::object changed = *existing;
    mutate(changed);
    if (object_name(changed) != name || object_namespace(changed) != object_namespace(*existing))
        throw std::invalid_argument("create_or_update: mutate changed the name or namespace of " + make_key(ns, name));
    if (changed == *existing) {
        if (out) *out = std::move(*existing);
        co_return OperationResult::unchanged;
    }
    auto updated = co_await client.update(resource, std::move(changed), options);
    if (out) *out = std::move(updated);
    co_return OperationResult::updated;
}

}  // namespace sb::kube
