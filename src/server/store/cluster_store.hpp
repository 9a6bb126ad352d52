#pragma once
// clusters: a team's registered Kubernetes clusters.
#include <optional>
#include <string>
#include <vector>

#include "server/store/querier.hpp"

namespace sb::server::store {

struct Cluster {
    std::string id;
    std::string name;
    std::string state;
    std::optional<std::string> kube_version;
    std::optional<std::string> agent_version;
    std::optional<std::int64_t> connected_at;
    std::optional<std::int64_t> last_seen_at;
    std::string facts = "{}";  // JSON from the operator's hello: capacity, capabilities
    std::int64_t created_at = 0;
    std::int64_t updated_at = 0;
    std::int64_t version = 1;
};

class ClusterStore {
public:
    explicit ClusterStore(Querier q) : q_(q) {}

    asio::awaitable<std::optional<Cluster>> find(std::string id);
    // `name` filters when not empty.
    asio::awaitable<std::vector<Cluster>> list(std::string team_id, PageQuery page, std::string name);
    asio::awaitable<std::int64_t> count();
    asio::awaitable<bool> exists_in_team(std::string id, std::string team_id);
    asio::awaitable<void> insert(std::string id, std::string team_id, std::string name, std::string agent_token_hash,
                                 std::int64_t now);
    // Writes name, state and versions; false when `version` is no longer current.
    asio::awaitable<bool> update(Cluster cluster, std::int64_t now);
    asio::awaitable<void> set_agent_token(std::string id, std::string agent_token_hash, std::int64_t now);
    asio::awaitable<std::optional<std::string>> agent_token_hash(std::string id);

    // The agent link's bookkeeping (state "connected" / "disconnected").
    asio::awaitable<void> record_connected(std::string id, std::string kube_version, std::string agent_version,
                                           std::string facts, std::int64_t now);
    asio::awaitable<void> record_seen(std::string id, std::int64_t now);
    asio::awaitable<void> record_disconnected(std::string id, std::int64_t now);
    asio::awaitable<void> remove(std::string id);

private:
    Querier q_;
};

}  // namespace sb::server::store
