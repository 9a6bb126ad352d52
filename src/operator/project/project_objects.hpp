#pragma once
// Pure builders of the objects a Project owns, and the comparisons that tell
// whether an existing object still matches. No I/O: the reconciler decides
// what to create, update or delete from these.
#include <boost/json/object.hpp>
#include <optional>
#include <string>
#include <vector>

#include "operator/common/operator_config.hpp"

namespace sb::op {

inline constexpr const char* kQuotaName = "shapeblock-quota";
inline constexpr const char* kLimitRangeName = "shapeblock-limits";
inline constexpr const char* kNetworkPolicyName = "shapeblock-default";

// The namespace a Project asks for: spec.name, or metadata.name when empty.
std::string desired_namespace_name(const boost::json::object& project);

enum class NamespaceOwnership {
    ours,          // owned by this Project (its uid)
    other_project, // labelled and owned by another ShapeBlock Project
    foreign,       // anything else: never adopted
};
NamespaceOwnership classify_namespace(const boost::json::object& ns, const boost::json::object& project);

// Labels on every object a Project owns.
boost::json::object project_labels(const boost::json::object& project);

boost::json::object build_namespace(const boost::json::object& project, const std::string& name);

// The copy of the registry secret in the project namespace (type, data and
// the source's docker config, our labels, owned by the Project).
boost::json::object build_secret_copy(const boost::json::object& source, const boost::json::object& project,
                                      const std::string& ns);
// True when `existing` has the desired type, data and labels.
bool secret_copy_matches(const boost::json::object& existing, const boost::json::object& desired);

// True when spec.quota sets at least one limit.
bool project_has_quota(const boost::json::object& project);
boost::json::object build_resource_quota(const boost::json::object& project, const std::string& ns);
boost::json::object build_limit_range(const boost::json::object& project, const std::string& ns,
                                      const ResourceLimits& container_defaults);

bool network_policy_enabled(const boost::json::object& project, bool default_enabled);
boost::json::object build_network_policy(const boost::json::object& project, const std::string& ns,
                                         const std::vector<std::string>& ingress_namespaces);

// True when `existing` has `desired`'s spec (or data/type for Secrets) and
// carries its labels (extra labels on existing are tolerated).
bool spec_and_labels_match(const boost::json::object& existing, const boost::json::object& desired);

}  // namespace sb::op
