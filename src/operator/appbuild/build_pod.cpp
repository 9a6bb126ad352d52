#include "operator/appbuild/build_pod.hpp"

#include <algorithm>

#include "common/json_fields.hpp"

namespace sb::op::appbuild {

namespace json = boost::json;

std::vector<ContainerView> containers_of(const json::object& pod) {
    std::vector<ContainerView> out;
    const auto* status = find_object(pod, "status");
    if (!status) return out;
    for (auto [key, init] : {std::pair{"initContainerStatuses", true}, std::pair{"containerStatuses", false}}) {
        const auto* list = find_array(*status, key);
        if (!list) continue;
        for (const auto& s : *list) {
            if (!s.is_object()) continue;
            ContainerView v;
            v.status = &s.get_object();
            v.name = get_string(*v.status, "name");
            v.init = init;
            if (const auto* state = find_object(*v.status, "state")) {
                v.terminated = find_object(*state, "terminated");
                v.waiting = find_object(*state, "waiting");
                v.running = find_object(*state, "running") != nullptr;
            }
            out.push_back(v);
        }
    }
    return out;
}

std::string memory_limit_of(const json::object& pod, std::string_view container) {
    for (const char* list : {"spec.initContainers", "spec.containers"}) {
        const auto* cs = find_array(pod, list);
        if (!cs) continue;
        for (const auto& c : *cs) {
            if (!c.is_object() || get_string(c.get_object(), "name") != container) continue;
            if (const auto* limits = find_object(c.get_object(), "resources.limits")) return get_string(*limits, "memory");
        }
    }
    return {};
}

const json::object* newest_pod(const std::vector<json::object>& pods) {
    const json::object* best = nullptr;
    std::string best_time;
    for (const auto& p : pods) {
        std::string t = get_string(p, "metadata.creationTimestamp");
        if (!best || t > best_time) {
            best = &p;
            best_time = t;
        }
    }
    return best;
}

std::string latest_finish(const std::vector<ContainerView>& containers) {
    std::string latest;
    for (const auto& c : containers)
        if (c.terminated) latest = std::max(latest, get_string(*c.terminated, "finishedAt"));
    return latest;
}

}  // namespace sb::op::appbuild
