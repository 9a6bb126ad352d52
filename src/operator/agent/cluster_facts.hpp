#pragma once
// What the operator tells the server about its cluster in its hello: an id
// that survives operator restarts, the Kubernetes version, and how much the
// nodes can hold.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "agent/messages.hpp"
#include "kube/client.hpp"

namespace sb::op::agent {

// A Kubernetes resource quantity ("250m", "4", "1.5", "16Gi", "16374584Ki",
// "1e3") scaled by `scale` (1000 for CPU in millicores, 1 for bytes);
// nullopt when it is not a quantity.
std::optional<std::int64_t> parse_quantity(std::string_view text, std::int64_t scale = 1);

// Node count and allocatable CPU and memory summed over the Nodes (each a
// Node object as the API returns it).
sb::agent::NodeCapacity sum_capacity(const std::vector<boost::json::object>& nodes);

struct ClusterFacts {
    std::string cluster_id;  // the kube-system namespace's uid unless configured
    std::string kubernetes_version;
    sb::agent::NodeCapacity capacity;
};

kube::Task<ClusterFacts> read_cluster_facts(kube::Client& client,
                                            std::string configured_cluster_id);

}  // namespace sb::op::agent
