#include "server/api/cluster_sync.hpp"

#include "server/agent/agent_session.hpp"
#include "server/core/crypto.hpp"
#include "server/core/state.hpp"
#include "server/store/cluster_object_store.hpp"
#include "server/store/project_store.hpp"

namespace sb::server::api {

boost::asio::awaitable<void> sync_project_cluster(ServerState& state, std::string project_id) {
    auto project = co_await store::ProjectStore(*state.db).find(std::move(project_id));
    if (project && project->cluster_id) co_await agent::sync_cluster(state, *project->cluster_id);
}

boost::asio::awaitable<void> request_cluster_delete(db::Session& s, std::string project_id, std::string kind,
                                                    std::string name) {
    auto project = co_await store::ProjectStore(s).find(std::move(project_id));
    if (!project || !project->cluster_id) co_return;
    std::string namespace_ = kind == "Project" ? std::string() : project->name;
    store::ClusterDelete object{std::move(kind), std::move(namespace_), std::move(name)};
    co_await store::ClusterObjectStore(s).request_delete(*project->cluster_id, std::move(object), crypto::now_ms());
}

}  // namespace sb::server::api
