#pragma once
// What the app routes share with the lifecycle routes (scale, releases,
// rollback, domains): the app's JSON, its sealed secrets, the checks every
// change of its deployable config goes through.
#include <boost/asio/awaitable.hpp>
#include <boost/json/object.hpp>

#include <string>

#include "server/api/app_body.hpp"
#include "server/api/project_quota.hpp"
#include "server/store/app_store.hpp"

namespace sb::server {
struct Context;
struct ServerState;
}  // namespace sb::server

namespace sb::server::api {

boost::json::object app_json(const ServerState& state, const store::App& app);
AppSecrets open_secrets(const ServerState& state, const std::string& sealed);
std::string seal_secrets(const ServerState& state, const AppSecrets& secrets);
// Keeps the clear summary of the secrets (env keys, whether credentials are set) in the spec.
void summarise_secrets(boost::json::object& spec, const AppSecrets& secrets);
// The router checked that the app exists.
boost::asio::awaitable<store::App> load_app(Context& ctx);
// Bound services must exist in the same project.
boost::asio::awaitable<void> check_services(Context& ctx, boost::json::object spec);
// Each of the app's domains must be no other app's in the team (409 naming that app).
// `field` names the refusal's field; empty: domains[i].
boost::asio::awaitable<void> check_domains_unique(Context& ctx, boost::json::object spec, std::string field);
// The project's quota must hold the app with this spec (422 naming the field).
boost::asio::awaitable<void> check_project_quota(Context& ctx, boost::json::object spec, QuotaBlame blame);

}  // namespace sb::server::api
