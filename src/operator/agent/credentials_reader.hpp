#pragma once
// Carries out the server's readServiceCredentials: a Service's connection
// details, read from the `<service>-connection` Secret the Service
// controller writes, when a user asks to see them (sb services
// credentials). Only for a ShapeBlock Service in a ShapeBlock project, only
// from a Secret ShapeBlock wrote, only its known keys; values are never
// logged and not kept.
#include <map>
#include <string>
#include <variant>

#include "agent/messages.hpp"
#include "kube/client.hpp"
#include "kube/informer.hpp"
#include "operator/agent/object_writer.hpp"

namespace sb::op::agent {

class CredentialsReader {
public:
    CredentialsReader(kube::Client& client, ObjectWriter& objects, kube::Informer& services)
        : client_(client), objects_(objects), services_(services) {}

    using Result = std::variant<std::map<std::string, std::string>, sb::agent::Error>;
    kube::Task<Result> read(sb::agent::ReadServiceCredentials request);

private:
    kube::Client& client_;
    ObjectWriter& objects_;
    kube::Informer& services_;
};

}  // namespace sb::op::agent
