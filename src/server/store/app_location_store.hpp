#pragma once
// Where an app runs: its cluster, namespace (its project's name) and name,
// for the requests that reach its pods (logs).
#include <optional>
#include <string>

#include "server/store/querier.hpp"

namespace sb::server::store {

struct AppLocation {
    std::string app_name;
    std::string project_name;
    std::optional<std::string> cluster_id;  // none while the project has no cluster
};

asio::awaitable<std::optional<AppLocation>> find_app_location(Querier q, std::string app_id);

}  // namespace sb::server::store
