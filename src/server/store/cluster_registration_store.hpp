#pragma once
// cluster_registrations: the one-time URL a cluster's operator is installed
// from. One per cluster at a time; only the token's SHA-256 is stored.
#include <optional>
#include <string>

#include "server/store/querier.hpp"

namespace sb::server::store {

struct ClusterRegistration {
    std::string cluster_id;
    std::string team_id;
    std::string token_hash;
    std::int64_t expires_at = 0;
    std::optional<std::int64_t> used_at;
};

class ClusterRegistrationStore {
public:
    explicit ClusterRegistrationStore(Querier q) : q_(q) {}

    // Replaces the cluster's registration, used or not, with a fresh one.
    asio::awaitable<void> replace(std::string cluster_id, std::string token_hash, std::int64_t expires_at, std::int64_t now);
    asio::awaitable<std::optional<ClusterRegistration>> find(std::string cluster_id);
    // Marks the registration used if it is still unused, unexpired and has
    // this hash, in one statement: of two concurrent calls one gets true.
    asio::awaitable<bool> consume(std::string cluster_id, std::string token_hash, std::int64_t now);

private:
    Querier q_;
};

}  // namespace sb::server::store
