#pragma once
// projects: a team's unit of apps and services.
#include <optional>
#include <string>
#include <vector>

#include "server/store/querier.hpp"

namespace sb::server::store {

struct Project {
    std::string id;
    std::string name;
    std::string display_name;
    std::string description;
    std::optional<std::string> cluster_id;
    std::int64_t created_at = 0;
    std::int64_t updated_at = 0;
    std::int64_t version = 1;
    std::string quota = "{}";  // JSON: {cpu, memory, pods}, each optional
};

class ProjectStore {
public:
    explicit ProjectStore(Querier q) : q_(q) {}

    asio::awaitable<std::optional<Project>> find(std::string id);
    // `name` filters when not empty.
    asio::awaitable<std::vector<Project>> list(std::string team_id, PageQuery page, std::string name);
    asio::awaitable<bool> exists_in_team(std::string id, std::string team_id);
    asio::awaitable<void> insert(std::string team_id, Project project);
    // Writes display name, description, cluster and quota; false when `version` is no longer current.
    asio::awaitable<bool> update(Project project, std::int64_t now);
    asio::awaitable<void> remove(std::string id);

private:
    Querier q_;
};

}  // namespace sb::server::store
