#pragma once
// Names shared by every ShapeBlock controller: the API resources of our
// CRDs (and of the built-ins libkube does not predefine), the labels,
// annotations and finalizers we put on objects, and helpers to read JSON
// fields and to maintain status conditions the Kubernetes way.
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/json_fields.hpp"
#include "common/rfc3339.hpp"
#include "kube/resource.hpp"

namespace sb::op {

inline constexpr std::string_view kGroup = "apps.shapeblock.io";
inline constexpr std::string_view kApiVersion = "apps.shapeblock.io/v1alpha1";

namespace crds {
extern const kube::ResourceRef projects;    // cluster-scoped
extern const kube::ResourceRef apps;
extern const kube::ResourceRef appbuilds;
extern const kube::ResourceRef services;
extern const kube::ResourceRef helmcharts;  // helm.cattle.io/v1 (k3s helm-controller)
}  // namespace crds

// Built-ins used by the operator that libkube's resources:: does not name.
namespace builtin {
extern const kube::ResourceRef resourcequotas;
extern const kube::ResourceRef limitranges;
extern const kube::ResourceRef networkpolicies;
}  // namespace builtin

inline constexpr std::string_view kManagedByLabel = "app.kubernetes.io/managed-by";
inline constexpr std::string_view kManagedByValue = "shapeblock";
inline constexpr std::string_view kProjectLabel = "shapeblock.io/project";
inline constexpr std::string_view kAppLabel = "shapeblock.io/app";
inline constexpr std::string_view kProjectFinalizer = "shapeblock.io/project";
// Field manager of every write the operator makes.
inline constexpr std::string_view kFieldManager = "shapeblock-operator";

// ---- JSON access: common/json_fields.hpp (find_object, get_string, ...) ----

std::int64_t object_generation(const boost::json::object& obj);
bool is_being_deleted(const boost::json::object& obj);
bool has_finalizer(const boost::json::object& obj, std::string_view finalizer);
std::string_view label_value(const boost::json::object& obj, std::string_view key);
// The annotation's value ("" when absent); annotation names hold dots, so no dotted path.
std::string_view annotation_value(const boost::json::object& obj, std::string_view key);

// An ownerReference to `owner` (apiVersion/kind/name/uid taken from it).
boost::json::object owner_reference(const boost::json::object& owner, bool controller = true);
// True when obj has an ownerReference with this uid.
bool is_owned_by(const boost::json::object& obj, std::string_view owner_uid);

// ---- status and conditions -------------------------------------------------

struct Condition {
    std::string type;
    std::string status;   // "True" | "False" | "Unknown"
    std::string reason;   // CamelCase
    std::string message;
};

// Sets (or adds) the condition of that type in `conditions`, keeping its
// lastTransitionTime when the status did not change. Returns true when
// anything changed.
bool set_condition(boost::json::array& conditions, const Condition& condition, std::int64_t observed_generation,
                   std::string_view now);
// The condition of that type, or nullptr.
const boost::json::object* find_condition(const boost::json::array& conditions, std::string_view type);
// The object's status.conditions entry of that type when its status is "True"
// (Job Complete/Failed, Deployment Progressing...), or nullptr.
const boost::json::object* true_condition(const boost::json::object& object, std::string_view type);
// Removes the condition of that type; true when one was removed.
bool remove_condition(boost::json::array& conditions, std::string_view type);

}  // namespace sb::op
