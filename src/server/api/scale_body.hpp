#pragma once
// Decoding of the scale body (replicas, resources, autoscaling) into an app's
// spec, and of a project's quota. Quantities are checked with the Kubernetes
// grammar (core/quantity) and kept as the client wrote them. Pure: the unit
// tests and the fuzz target use it without a database.
#include <boost/json/object.hpp>

#include "server/core/json_input.hpp"

namespace sb::server::api {

// What the scale body changed, for the quota check and the release.
struct ScaleChange {
    bool replicas = false;
    bool resources = false;
    bool autoscaling = false;
};

// Applies {replicas?, resources?, autoscaling? (null removes it)} to `spec`.
// The caller calls body.finish().
ScaleChange apply_scale_body(BodyReader& body, boost::json::object& spec);

// A project's quota body {cpu?, memory?, pods?} (null members are left out).
boost::json::object decode_quota(const boost::json::object& quota);

}  // namespace sb::server::api
