#pragma once
// The records behind a cluster's ShapeBlock objects, as the agent link sees
// them: what the cluster should hold (projects, apps, services, unfinished
// builds on it), lookups by the names the cluster uses, the status it reports,
// and deletes it has not confirmed yet. Every lookup is confined to one
// cluster, so one cluster's reports can never touch another's records.
#include <optional>
#include <string>
#include <vector>

#include "server/store/querier.hpp"

namespace sb::server::store {

struct ClusterProject {
    std::string id;
    std::string team_id;
    std::string name;
    std::string display_name;
    std::string description;
    std::string quota = "{}";  // JSON: {cpu, memory, pods}
};

struct ClusterApp {
    std::string id;
    std::string team_id;
    std::string project_id;
    std::string project_name;
    std::string name;
    std::string spec;     // JSON object, as the API stores it
    std::string secrets;  // sealed, as the API stores them (the env and credentials sent as the app's Secrets)
};

struct ClusterBuild {
    std::string id;
    std::string team_id;
    std::string project_id;
    std::string project_name;
    std::string app_id;
    std::string app_name;
    std::string git_ref;
    std::string image_tag;
    std::string status;
    std::string message;
    std::optional<std::int64_t> started_at;
    std::optional<std::int64_t> finished_at;
    std::string image;  // set: deploy this image without building (a rollback)
    std::string source_digest;  // set: build the upload stored in the cluster under this digest
};

struct ClusterService {
    std::string id;
    std::string team_id;
    std::string project_id;
    std::string project_name;
    std::string name;
    std::string type;
    std::string spec;  // JSON object
};

struct ClusterDelete {
    std::string kind;
    std::string namespace_;
    std::string name;
};

struct ClusterObjects {
    std::vector<ClusterProject> projects;
    std::vector<ClusterApp> apps;
    std::vector<ClusterService> services;
    std::vector<ClusterBuild> builds;  // not finished yet
    std::vector<ClusterDelete> deletes;
};

class ClusterObjectStore {
public:
    explicit ClusterObjectStore(Querier q) : q_(q) {}

    asio::awaitable<ClusterObjects> desired(std::string cluster_id);

    asio::awaitable<std::optional<ClusterApp>> app(std::string cluster_id, std::string project_name, std::string name);
    asio::awaitable<std::optional<ClusterService>> service(std::string cluster_id, std::string project_name, std::string name);
    asio::awaitable<std::optional<ClusterBuild>> build(std::string cluster_id, std::string build_id);

    asio::awaitable<void> report_app(std::string app_id, std::string phase, std::string message, std::string reported);
    asio::awaitable<void> report_service(std::string service_id, std::string phase, std::string reported);
    // Records a reported build; `finishes`: this report moves it from an
    // unfinished phase to Completed or Failed. A finished build keeps its
    // phase. False when nothing was written: another report finished it
    // first (so a build is billed once).
    asio::awaitable<bool> report_build(ClusterBuild build, std::string reported, bool finishes);

    asio::awaitable<void> request_delete(std::string cluster_id, ClusterDelete object, std::int64_t now);
    asio::awaitable<void> confirm_delete(std::string cluster_id, ClusterDelete object);

private:
    Querier q_;
};

}  // namespace sb::server::store
