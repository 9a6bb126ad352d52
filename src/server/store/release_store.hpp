#pragma once
// releases: an app's numbered deploys (1, 2, 3… per app), each with the image
// it ran and a snapshot of the deployable config and sealed secrets, so a
// rollback restores both.
#include <optional>
#include <string>
#include <vector>

#include "server/store/querier.hpp"

namespace sb::server::store {

struct Release {
    std::string id;
    std::string app_id;
    std::int64_t number = 0;
    std::string kind;  // build, image, env, config, scale, domains, rollback
    std::string actor;
    std::string description;
    std::string image;
    std::string digest;
    std::optional<std::string> build_id;
    std::string config;   // JSON object
    std::string secrets;  // sealed, as apps.secrets
    std::int64_t created_at = 0;
};

class ReleaseStore {
public:
    explicit ReleaseStore(Querier q) : q_(q) {}

    // Newest first: numbers below `before` (0: from the newest), at most `limit`.
    asio::awaitable<std::vector<Release>> list(std::string app_id, std::int64_t before, std::int64_t limit);
    asio::awaitable<std::optional<Release>> find(std::string app_id, std::int64_t number);
    asio::awaitable<std::optional<Release>> latest(std::string app_id);
    asio::awaitable<bool> exists_for_build(std::string build_id);
    // Gives `release` the app's next number and stores it; returns the number.
    // Run inside a transaction: the app's row is locked first, so two
    // releases of one app never take the same number.
    asio::awaitable<std::int64_t> append(Release release);

private:
    Querier q_;
};

}  // namespace sb::server::store
