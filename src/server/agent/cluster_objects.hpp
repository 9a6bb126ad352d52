#pragma once
// The ShapeBlock objects (apps.shapeblock.io/v1alpha1) a cluster should hold
// for the server's records. Pure: the records in, the objects out. A project
// becomes a Project and its namespace of the same name; apps, services and
// builds live in that namespace. Every object carries the record's id as a
// label, and builds are named after their id so a report maps back to exactly
// one record.
#include <boost/json/object.hpp>

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "agent/messages.hpp"
#include "server/api/app_body.hpp"
#include "server/store/cluster_object_store.hpp"

namespace sb::server::agent {

inline constexpr std::string_view kManagedByLabel = "app.kubernetes.io/managed-by";
inline constexpr std::string_view kManagedBy = "shapeblock-server";
inline constexpr std::string_view kRecordIdLabel = "shapeblock.io/id";
// Where apps push images when their spec names no registry: the cluster's own
// registry, with the credentials the installer puts in every project.
inline constexpr std::string_view kRegistrySecret = "registry-credentials";

boost::json::object project_object(const store::ClusterProject& project);
// An app's values never go in its App: its env entries are references into
// the Secret <app>-env, a git token makes <app>-git its git.secretName and a
// registry password <app>-registry its registry.secretName (the names the
// operator gives them, sb::agent::app_secret_name). Only the keys of
// `secrets` are read. The API binds services by id; the cluster's App names
// them (its Services' names): `service_names` maps one to the other (ids it
// lacks are left out).
boost::json::object app_object(const store::ClusterApp& app, const api::AppSecrets& secrets,
                               const std::map<std::string, std::string>& service_names = {});
// The values themselves: one appSecret per purpose (env, git, registry), sent
// before the App. An empty one deletes a Secret the app no longer needs.
std::vector<sb::agent::AppSecret> app_secret_messages(const store::ClusterApp& app, const api::AppSecrets& secrets);
boost::json::object service_object(const store::ClusterService& service);
boost::json::object build_object(const store::ClusterBuild& build);

std::string build_object_name(std::string_view build_id);
// The build id an AppBuild's name stands for; nullopt for AppBuilds the server
// did not create (made with kubectl, say).
std::optional<std::string> build_id_of(std::string_view object_name);

}  // namespace sb::server::agent
