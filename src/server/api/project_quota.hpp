#pragma once
// A project's quota against its apps: what each app may use at most
// (replicas, or maxReplicas with autoscaling, times its per-pod limits, or
// requests without limits; nothing while stopped) and the refusal, naming
// the field and the numbers, when an app's change would take the project
// over. Pure.
#include <boost/json/object.hpp>

#include <string>
#include <vector>

#include "server/core/quantity.hpp"

namespace sb::server::api {

struct Footprint {
    std::int64_t pods = 0;
    Milli cpu_per_pod = 0, memory_per_pod = 0;
    std::string cpu_field, memory_field;  // where the per-pod value comes from (resources.limits.cpu, ...)
    Milli cpu() const { return cpu_per_pod * pods; }
    Milli memory() const { return memory_per_pod * pods; }
};

Footprint footprint(const boost::json::object& app_spec);

// Which field a refusal names: `count_field` (replicas, autoscaling.maxReplicas)
// unless only the resources changed, then the per-pod field.
struct QuotaBlame {
    std::string count_field = "replicas";
    bool resources_only = false;
};

// Throws a 422 quota_exceeded when `app` with `others` (the sum of the
// project's other apps) exceeds `quota` ({cpu?, memory?, pods?}).
void check_quota(const boost::json::object& quota, const Footprint& app, const std::vector<Footprint>& others,
                 const QuotaBlame& blame);

}  // namespace sb::server::api
