#pragma once
// Helpers every reconciler needs: finalizers, owner and controller
// references, and create-or-update.
#include <boost/asio/awaitable.hpp>
#include <boost/json/object.hpp>
#include <functional>
#include <stdexcept>
#include <string>
#include <string_view>

#include "kube/client.hpp"

namespace sb::kube {

// --- finalizers (metadata.finalizers) ---
bool has_finalizer(const boost::json::object& obj, std::string_view finalizer);
// Both return true when they changed the object.
bool add_finalizer(boost::json::object& obj, std::string_view finalizer);
bool remove_finalizer(boost::json::object& obj, std::string_view finalizer);
// True once metadata.deletionTimestamp is set.
bool is_being_deleted(const boost::json::object& obj);

// --- owner references (metadata.ownerReferences) ---
// An ownerReference pointing at `owner` (which needs apiVersion, kind, metadata.name and uid).
boost::json::object owner_reference(const boost::json::object& owner, bool controller, bool block_owner_deletion);

// Thrown when an object already has a different controller.
class AlreadyOwnedError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// Makes `owner` the controller of `obj` (controller: true, blockOwnerDeletion:
// true), replacing an existing reference to the same owner. Throws
// AlreadyOwnedError when another object is its controller, and
// std::invalid_argument for a cluster-scoped object owned by a namespaced one
// or for owners in another namespace (the garbage collector would delete it).
void set_controller_reference(const boost::json::object& owner, boost::json::object& obj);
// Adds (or updates) a non-controller owner reference to `owner`.
void set_owner_reference(const boost::json::object& owner, boost::json::object& obj);
// Removes any reference to the owner with this uid; true when one was removed.
bool remove_owner_reference(boost::json::object& obj, std::string_view owner_uid);
// The ownerReference with controller: true, or nullptr.
const boost::json::object* controller_of(const boost::json::object& obj);
bool is_controlled_by(const boost::json::object& obj, const boost::json::object& owner);

// --- create or update ---
enum class OperationResult { unchanged, created, updated };
std::string_view to_string(OperationResult r);

// Gets the object (ns/name); when it does not exist, starts from an empty
// object with apiVersion, kind and metadata.name/namespace. Calls mutate on
// it, then creates it, updates it (only when mutate changed something), or
// leaves it alone. `obj` receives the object as the server has it.
// mutate must not change the name or namespace.
// (No default arguments on the coroutine itself: g++ 12 destroys a
// defaulted coroutine argument twice.)
boost::asio::awaitable<OperationResult> create_or_update(Client& client, const ResourceRef& resource,
                                                         std::string_view ns, std::string_view name,
                                                         const std::function<void(boost::json::object&)>& mutate,
                                                         boost::json::object* obj, WriteOptions options);
inline boost::asio::awaitable<OperationResult> create_or_update(
    Client& client, const ResourceRef& resource, std::string_view ns, std::string_view name,
    const std::function<void(boost::json::object&)>& mutate, boost::json::object* obj = nullptr) {
    return create_or_update(client, resource, ns, name, mutate, obj, WriteOptions{});
}

}  // namespace sb::kube
