#pragma once
// audit_log: who did what to which object.
#include <optional>
#include <string>
#include <vector>

#include "server/store/querier.hpp"

namespace sb::server::store {

struct AuditEntry {
    std::string id;
    std::optional<std::string> actor_id;
    std::optional<std::string> actor_email;
    std::string action;
    std::string target_type;
    std::string target_id;
    std::int64_t at = 0;
};

class AuditStore {
public:
    explicit AuditStore(Querier q) : q_(q) {}

    // An empty team or actor is stored as NULL.
    asio::awaitable<void> append(std::string team_id, std::string actor_id, std::string action, std::string target_type,
                                 std::string target_id);
    asio::awaitable<std::vector<AuditEntry>> list(std::string team_id, PageQuery page);

private:
    Querier q_;
};

}  // namespace sb::server::store
