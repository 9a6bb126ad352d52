#pragma once
// Decoding of an app's create/update body into its public spec and its
// secrets (env values and credentials, sealed before they are stored).
// Pure: the fuzz targets exercise it without a database.
#include <boost/json/object.hpp>

#include <string>
#include <string_view>

#include "server/core/json_input.hpp"

namespace sb::server::api {

struct AppSecrets {
    boost::json::object env;
    std::string git_token;
    std::string registry_password;
};

// The JSON the secrets are sealed as (apps.secrets, opened): what the API
// writes and what the agent link reads to send them to the cluster.
std::string app_secrets_json(const AppSecrets& secrets);
// Throws std::invalid_argument when `json` is not that form.
AppSecrets app_secrets_from_json(std::string_view json);

// A host name an app's Ingress can serve (lower case, wildcards allowed).
void validate_domain(const std::string& field, const std::string& host);

// The spec of a new app before its body is applied.
boost::json::object default_app_spec(const std::string& name);
// Applies the fields present in `body` to `spec` / `secrets` (create and
// update share it). The caller calls body.finish() to refuse unknown fields.
void apply_app_body(BodyReader& body, boost::json::object& spec, AppSecrets& secrets);
// The JSON Schema of that body (create and update), for the OpenAPI document.
const boost::json::object& app_body_schema();

}  // namespace sb::server::api
