#pragma once
// A build pod as the status readers see it: its containers (init ones
// first) with their state, the newest of a Job's pods, a container's memory limit.
#include <boost/json/object.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace sb::op::appbuild {

struct ContainerView {
    std::string name;
    bool init = false;
    const boost::json::object* status = nullptr;      // the containerStatus
    const boost::json::object* terminated = nullptr;  // state.terminated
    const boost::json::object* waiting = nullptr;     // state.waiting
    bool running = false;
};

// Views into pod, which must outlive them.
std::vector<ContainerView> containers_of(const boost::json::object& pod);
// The most recently created of pods (null when there is none).
const boost::json::object* newest_pod(const std::vector<boost::json::object>& pods);
// resources.limits.memory of that container ("" when unset).
std::string memory_limit_of(const boost::json::object& pod, std::string_view container);
// The latest finishedAt of the terminated containers (RFC 3339, "" when none).
std::string latest_finish(const std::vector<ContainerView>& containers);

}  // namespace sb::op::appbuild
