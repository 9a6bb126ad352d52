#pragma once
// builds: an app's build history.
#include <optional>
#include <string>
#include <vector>

#include "server/store/querier.hpp"

namespace sb::server::store {

struct Build {
    std::string id;
    std::string app_id;
    std::string git_ref;
    std::string image_tag;
    std::string status;
    std::string message;
    std::string logs_ref;
    std::int64_t created_at = 0;
    std::optional<std::int64_t> started_at;
    std::optional<std::int64_t> finished_at;
    std::int64_t version = 1;
    std::string trigger = "api";  // what started it: "api", "webhook (github)", ...
    std::string image;  // set: the build deploys this image without building (a rollback)
    std::string reported = "{}";  // JSON: the AppBuild's .status as its cluster last reported it
    // Set: the build's source is an upload (its archive's sha256:<hex> and
    // bytes, stored in the app's cluster); empty: it clones git_ref.
    std::string source_digest;
    std::int64_t source_size = 0;
};

class BuildStore {
public:
    explicit BuildStore(Querier q) : q_(q) {}

    asio::awaitable<std::optional<Build>> find(std::string id);
    // Newest first: ids below `page.after`; `status` filters when not empty.
    asio::awaitable<std::vector<Build>> list(std::string app_id, PageQuery page, std::string status);
    asio::awaitable<bool> exists_in_app(std::string id, std::string app_id);
    asio::awaitable<bool> exists_in_team(std::string id, std::string team_id);
    asio::awaitable<void> insert(std::string team_id, std::string project_id, Build build);
    // Writes status, message and times; false when `version` is no longer current.
    asio::awaitable<bool> update_status(Build build);

private:
    Querier q_;
};

}  // namespace sb::server::store
