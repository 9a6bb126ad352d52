#pragma once
// apps: an app's spec (JSON text), its sealed secrets and its status.
#include <optional>
#include <string>
#include <vector>

#include "server/store/querier.hpp"

namespace sb::server::store {

struct App {
    std::string id;
    std::string name;
    std::string spec;     // JSON object
    std::string secrets;  // sealed JSON object
    std::string phase;
    std::string message;
    std::int64_t created_at = 0;
    std::int64_t updated_at = 0;
    std::int64_t version = 1;
    std::string reported;  // the cluster's last App status (JSON object), empty before its first report
    std::optional<std::int64_t> release;  // the newest release's number
};

class AppStore {
public:
    explicit AppStore(Querier q) : q_(q) {}

    asio::awaitable<std::optional<App>> find(std::string id);
    // `name` filters when not empty.
    asio::awaitable<std::vector<App>> list(std::string project_id, PageQuery page, std::string name);
    // Every app of the project (for quota sums).
    asio::awaitable<std::vector<App>> all_in_project(std::string project_id);
    // The team's apps whose spec may list `host` among its domains (the caller checks the spec).
    asio::awaitable<std::vector<App>> maybe_with_domain(std::string team_id, std::string host);
    asio::awaitable<bool> exists_in_project(std::string id, std::string project_id);
    asio::awaitable<bool> exists_in_team(std::string id, std::string team_id);
    asio::awaitable<void> insert(std::string id, std::string team_id, std::string project_id, std::string name, std::string spec,
                                 std::string secrets, std::int64_t now);
    // False when `version` is no longer current.
    asio::awaitable<bool> update_spec(std::string id, std::string spec, std::string secrets, std::int64_t now,
                                      std::int64_t version);
    asio::awaitable<void> set_status(std::string id, std::string phase, std::string message);
    asio::awaitable<void> remove(std::string id);

private:
    Querier q_;
};

}  // namespace sb::server::store
