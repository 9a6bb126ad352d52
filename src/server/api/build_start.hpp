#pragma once
// Starting a build: shared by POST .../builds and the git webhooks, so a
// build is recorded, announced and sent to its cluster the same way however
// it was started.
#include <boost/json/object.hpp>

#include "server/api/helpers.hpp"
#include "server/store/build_store.hpp"

namespace sb::server::api {

struct NewBuild {
    std::string team_id;
    std::string project_id;
    std::string app_id;
    std::string git_ref;    // "HEAD", a branch, a tag or a full commit SHA
    std::string image_tag;  // empty: the build's id
    std::string trigger;    // what started it: "api", "webhook (github)", ...
    // Set for a build of an upload (PUT .../source): the archive stored in the cluster.
    std::string source_digest;
    std::int64_t source_size = 0;
};

json::object build_json(const store::Build& build);

// Inside the caller's transaction: refuses (409) a project without a cluster
// to build in, inserts the Pending build and returns its JSON.
asio::awaitable<json::object> insert_build(db::Session& s, NewBuild build);

// After the commit: build.created on the build's, app's and project's
// topics, and the project's cluster gets the AppBuild.
asio::awaitable<void> announce_build(ServerState& state, std::string project_id, json::object build);

}  // namespace sb::server::api
