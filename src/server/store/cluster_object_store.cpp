#include "server/store/cluster_object_store.hpp"

namespace sb::server::store {

namespace {

constexpr const char* kProjectSelect =
    "SELECT p.id, p.team_id, p.name, p.display_name, p.description, p.quota FROM projects p ";
constexpr const char* kAppSelect =
    "SELECT a.id, a.team_id, a.project_id, p.name, a.name, a.spec, a.secrets FROM apps a JOIN projects p ON p.id = a.project_id ";
constexpr const char* kServiceSelect =
    "SELECT s.id, s.team_id, s.project_id, p.name, s.name, s.type, s.spec FROM services s "
    "JOIN projects p ON p.id = s.project_id ";
constexpr const char* kBuildSelect =
    "SELECT b.id, b.team_id, b.project_id, p.name, b.app_id, a.name, b.git_ref, b.image_tag, b.status, b.message, "
    "b.started_at, b.finished_at, b.image, b.source_digest FROM builds b JOIN apps a ON a.id = b.app_id JOIN projects p ON p.id = b.project_id ";

ClusterProject project_from(const db::Row& r) { return {r.str(0), r.str(1), r.str(2), r.str(3), r.str(4), r.str(5)}; }
ClusterApp app_from(const db::Row& r) { return {r.str(0), r.str(1), r.str(2), r.str(3), r.str(4), r.str(5), r.str(6)}; }
ClusterService service_from(const db::Row& r) {
    return {r.str(0), r.str(1), r.str(2), r.str(3), r.str(4), r.str(5), r.str(6)};
}
ClusterBuild build_from(const db::Row& r) {
    return {r.str(0), r.str(1), r.str(2), r.str(3), r.str(4), r.str(5),
            r.str(6), r.str(7), r.str(8), r.str(9), r.opt_i64(10), r.opt_i64(11), r.str(12), r.str(13)};
}

}  // namespace

asio::awaitable<ClusterObjects> ClusterObjectStore::desired(std::string cluster_id) {
    ClusterObjects out;
    auto projects = co_await q_.query(std::string(kProjectSelect) + "WHERE p.cluster_id = $1 ORDER BY p.id",
                                      db::params(cluster_id));
    out.projects = rows_as<ClusterProject>(projects, project_from);
    auto apps = co_await q_.query(std::string(kAppSelect) + "WHERE p.cluster_id = $1 ORDER BY a.id", db::params(cluster_id));
    out.apps = rows_as<ClusterApp>(apps, app_from);
    auto services = co_await q_.query(std::string(kServiceSelect) + "WHERE p.cluster_id = $1 ORDER BY s.id",
                                      db::params(cluster_id));
    out.services = rows_as<ClusterService>(services, service_from);
    auto builds = co_await q_.query(
        std::string(kBuildSelect) + "WHERE p.cluster_id = $1 AND b.status NOT IN ('Completed', 'Failed') ORDER BY b.id",
        db::params(cluster_id));
    out.builds = rows_as<ClusterBuild>(builds, build_from);
    auto deletes = co_await q_.query(
        "SELECT kind, namespace, name FROM cluster_deletes WHERE cluster_id = $1 ORDER BY requested_at",
        db::params(std::move(cluster_id)));
    out.deletes = rows_as<ClusterDelete>(deletes, [](const db::Row& r) { return ClusterDelete{r.str(0), r.str(1), r.str(2)}; });
    co_return out;
}

asio::awaitable<std::optional<ClusterApp>> ClusterObjectStore::app(std::string cluster_id, std::string project_name,
                                                                  std::string name) {
    auto rows = co_await q_.query(std::string(kAppSelect) + "WHERE p.cluster_id = $1 AND p.name = $2 AND a.name = $3",
                                  db::params(std::move(cluster_id), std::move(project_name), std::move(name)));
    if (rows.empty()) co_return std::nullopt;
    co_return app_from(rows.one());
}

asio::awaitable<std::optional<ClusterService>> ClusterObjectStore::service(std::string cluster_id, std::string project_name,
                                                                          std::string name) {
    auto rows = co_await q_.query(std::string(kServiceSelect) + "WHERE p.cluster_id = $1 AND p.name = $2 AND s.name = $3",
                                  db::params(std::move(cluster_id), std::move(project_name), std::move(name)));
    if (rows.empty()) co_return std::nullopt;
    co_return service_from(rows.one());
}

asio::awaitable<std::optional<ClusterBuild>> ClusterObjectStore::build(std::string cluster_id, std::string build_id) {
    auto rows = co_await q_.query(std::string(kBuildSelect) + "WHERE p.cluster_id = $1 AND b.id = $2",
                                  db::params(std::move(cluster_id), std::move(build_id)));
    if (rows.empty()) co_return std::nullopt;
    co_return build_from(rows.one());
}

// An app's or service's reported status changes neither `version` nor
// `updated_at`: those track the user's writes, and a report must not make a
// user's If-Match fail. A build has no user writes, so its version moves with
// its status (clients see the change in the ETag).
asio::awaitable<void> ClusterObjectStore::report_app(std::string app_id, std::string phase, std::string message,
                                                     std::string reported) {
    co_await q_.query("UPDATE apps SET phase = $1, message = $2, reported = $3 WHERE id = $4",
                      db::params(std::move(phase), std::move(message), std::move(reported), std::move(app_id)));
}

asio::awaitable<void> ClusterObjectStore::report_service(std::string service_id, std::string phase, std::string reported) {
    co_await q_.query("UPDATE services SET phase = $1, reported = $2 WHERE id = $3",
                      db::params(std::move(phase), std::move(reported), std::move(service_id)));
}

asio::awaitable<bool> ClusterObjectStore::report_build(ClusterBuild b, std::string reported, bool finishes) {
    // The guard is in the UPDATE, so two reports racing (an old and a new
    // connection of one cluster) cannot both finish a build, and a late
    // report cannot move a finished one back.
    std::string sql =
        "UPDATE builds SET status = $1, message = $2, started_at = $3, finished_at = $4, reported = $5, "
        "version = version + 1 WHERE id = $6 AND (status NOT IN ('Completed', 'Failed')";
    sql += finishes ? ")" : " OR status = $1)";
    auto r = co_await q_.query(std::move(sql), db::params(std::move(b.status), std::move(b.message), db::nullable(b.started_at),
                                                          db::nullable(b.finished_at), std::move(reported), std::move(b.id)));
    co_return r.affected != 0;
}

asio::awaitable<void> ClusterObjectStore::request_delete(std::string cluster_id, ClusterDelete o, std::int64_t now) {
    co_await q_.query(
        "INSERT INTO cluster_deletes (cluster_id, kind, namespace, name, requested_at) VALUES ($1, $2, $3, $4, $5) "
        "ON CONFLICT (cluster_id, kind, namespace, name) DO NOTHING",
        db::params(std::move(cluster_id), std::move(o.kind), std::move(o.namespace_), std::move(o.name), now));
}

asio::awaitable<void> ClusterObjectStore::confirm_delete(std::string cluster_id, ClusterDelete o) {
    co_await q_.query("DELETE FROM cluster_deletes WHERE cluster_id = $1 AND kind = $2 AND namespace = $3 AND name = $4",
                      db::params(std::move(cluster_id), std::move(o.kind), std::move(o.namespace_), std::move(o.name)));
}

}  // namespace sb::server::store
