#pragma once
// The records the load needs on the server: N clusters with their agent
// tokens, and on each cluster a project with one app and one unfinished
// build, so that every simulated cluster's status reports change a record and
// reach the event WebSocket (reports about objects the server does not hold
// are ignored by design).
#include <string>
#include <vector>

#include "bench/agent/rest_client.hpp"

namespace sb::bench {

struct FleetMember {
    std::string cluster_id;
    std::string agent_token;
    std::string project_name;  // the namespace of its objects
    std::string build_id;      // its AppBuild is build-<build_id>
};

// Clusters from `tokens_file` ("<cluster id> <agent token>" per line) when
// given, else registered through the API (the licence must allow N). Names
// carry `run_tag` so that runs against one server do not collide.
std::vector<FleetMember> prepare_fleet(const RestClient& api, const std::string& team, int clusters,
                                       const std::string& tokens_file, const std::string& run_tag);

}  // namespace sb::bench
