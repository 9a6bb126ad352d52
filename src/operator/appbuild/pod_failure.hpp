#pragma once
// Why a build pod failed or is stuck, in words a user can act on: the
// failed container (clone exit codes, out of memory, push or build
// failure), an unschedulable pod or an image that never pulls.
#include <boost/json/object.hpp>
#include <chrono>
#include <vector>

#include "operator/appbuild/build_config.hpp"
#include "operator/appbuild/build_pod.hpp"
#include "operator/appbuild/build_status.hpp"

namespace sb::op::appbuild {

// A failed pod: phase Failed, with the reason and message of the first container that failed.
void classify_failure(const boost::json::object& pod, const std::vector<ContainerView>& containers, BuildObservation& o);
// A pending pod: failed once stuck (unschedulable, image never pulled) past
// the timeout, else a waiting message and when to look again.
void classify_pending(const boost::json::object& pod, const std::vector<ContainerView>& containers,
                      std::chrono::system_clock::time_point now, const BuildConfig& config, BuildObservation& o);

}  // namespace sb::op::appbuild
