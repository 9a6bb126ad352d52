#pragma once
// Reads an App (and the AppBuild being deployed) into a DeployRequest.
#include <boost/json/object.hpp>
#include <string>
#include <vector>

#include "operator/helm/helm_values.hpp"

namespace sb::op::helm {

// The connection secret of a bound service: its status.connectionSecretName,
// or the conventional "<service>-connection".
std::string connection_secret_name(std::string_view service_name, const boost::json::object* service);

// `image` is what to run; `bound_secrets` the connection secrets of the App's
// spec.services, in order; `registry_secret` the pull secret ("" = none).
DeployRequest deploy_request_for(const boost::json::object& app, const boost::json::object& appbuild,
                                 const std::string& image, std::vector<std::string> bound_secrets,
                                 const std::string& registry_secret);

// The names in App.spec.services.
std::vector<std::string> bound_services(const boost::json::object& app);

}  // namespace sb::op::helm
