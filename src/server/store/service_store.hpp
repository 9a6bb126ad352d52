#pragma once
// services: databases, caches and queues next to a project's apps.
#include <optional>
#include <string>
#include <vector>

#include "server/store/querier.hpp"

namespace sb::server::store {

struct Service {
    std::string id;
    std::string name;
    std::string type;
    std::string spec;  // JSON object
    std::string phase;
    std::int64_t created_at = 0;
    std::int64_t updated_at = 0;
    std::int64_t version = 1;
};

class ServiceStore {
public:
    explicit ServiceStore(Querier q) : q_(q) {}

    asio::awaitable<std::optional<Service>> find(std::string id);
    // `type` filters when not empty.
    asio::awaitable<std::vector<Service>> list(std::string project_id, PageQuery page, std::string type);
    asio::awaitable<bool> exists_in_project(std::string id, std::string project_id);
    asio::awaitable<void> insert(std::string id, std::string team_id, std::string project_id, std::string name, std::string type,
                                 std::string spec, std::int64_t now);
    // False when `version` is no longer current.
    asio::awaitable<bool> update_spec(std::string id, std::string spec, std::int64_t now, std::int64_t version);
    asio::awaitable<void> remove(std::string id);

private:
    Querier q_;
};

}  // namespace sb::server::store
