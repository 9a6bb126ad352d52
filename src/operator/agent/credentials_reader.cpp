#include "operator/agent/credentials_reader.hpp"

#include <array>

#include "common/base64.hpp"
#include "kube/errors.hpp"
#include "kube/resource.hpp"
#include "operator/common/crd_types.hpp"
#include "operator/service/service_objects.hpp"

namespace sb::op::agent {

using sb::agent::Error;
using sb::agent::ErrorCode;

namespace {

// What connection_secret() writes; anything else in the Secret stays there.
constexpr std::array<std::string_view, 9> kKeys = {"HOST",         "PORT",      "USERNAME",    "PASSWORD", "DATABASE",
                                                   "DATABASE_URL", "REDIS_URL", "MONGODB_URL", "AMQP_URL"};

}  // namespace

kube::Task<CredentialsReader::Result> CredentialsReader::read(sb::agent::ReadServiceCredentials request) {
    const sb::agent::ObjectRef ref{"Service", request.namespace_, request.service};
    if (auto error = co_await objects_.check_namespace(ref)) co_return *error;
    if (!services_.store().get(request.namespace_, request.service))
        co_return Error{ErrorCode::not_found, "no Service " + request.namespace_ + "/" + request.service + " in the cluster"};
    const auto secret_name = service::connection_secret_name(request.service);
    std::optional<boost::json::object> secret;
    std::optional<Error> failed;
    try {
        secret = co_await client_.get(kube::resources::secrets, request.namespace_, secret_name);
    } catch (const kube::ApiError& e) {
        if (!kube::is_not_found(e)) failed = error_from_exception(std::current_exception());
    } catch (const std::exception&) {
        failed = error_from_exception(std::current_exception());
    }
    if (failed) co_return *failed;
    if (!secret)
        co_return Error{ErrorCode::not_found, "the Service's connection Secret " + secret_name +
                                                  " does not exist yet (the Service is still being installed)"};
    if (label_value(*secret, kManagedByLabel) != kManagedByValue)
        co_return Error{ErrorCode::forbidden, "Secret " + secret_name + " was not written by ShapeBlock"};
    std::map<std::string, std::string> out;
    if (const auto* data = find_object(*secret, "data"))
        for (auto key : kKeys)
            if (const auto* value = data->if_contains(key); value && value->is_string())
                if (auto decoded = try_base64_decode(value->get_string())) out.emplace(std::string(key), std::move(*decoded));
    co_return out;
}

}  // namespace sb::op::agent
