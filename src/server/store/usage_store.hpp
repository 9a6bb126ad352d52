#pragma once
// usage_records: what a team used (apps, clusters, build minutes).
#include <string>
#include <utility>
#include <vector>

#include "server/store/querier.hpp"

namespace sb::server::store {

struct UsageRecord {
    std::string id;
    std::string kind;
    std::int64_t quantity = 0;
    std::string subject_id;
    std::int64_t recorded_at = 0;
};

class UsageStore {
public:
    explicit UsageStore(Querier q) : q_(q) {}

    asio::awaitable<void> append(std::string team_id, std::string kind, std::int64_t quantity, std::string subject_id);
    // (kind, total) per kind, ordered by kind.
    asio::awaitable<std::vector<std::pair<std::string, std::int64_t>>> totals(std::string team_id);
    // `kind` filters when not empty.
    asio::awaitable<std::vector<UsageRecord>> list(std::string team_id, PageQuery page, std::string kind);

private:
    Querier q_;
};

}  // namespace sb::server::store
