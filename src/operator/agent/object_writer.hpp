#pragma once
// Carries out the server's apply and delete messages, and nothing else: only
// ShapeBlock objects (the decoder has checked kind, apiVersion and names),
// and namespaced ones only in the namespace of a ShapeBlock Project. Writes
// are server-side applies under their own field manager, so the operator's
// status writes and a user's edits of other fields stay.
#include <optional>
#include <string>

#include "agent/messages.hpp"
#include "kube/client.hpp"
#include "kube/informer.hpp"

namespace sb::op::agent {

inline constexpr std::string_view kAgentFieldManager = "shapeblock-agent";

class ObjectWriter {
  public:
    // `projects` is the operator's Project informer: the namespaces it may write in.
    ObjectWriter(kube::Client& client, kube::Informer& projects)
        : client_(client), projects_(projects) {}

    // nullopt on success, else the error to ack with.
    kube::Task<std::optional<sb::agent::Error>> apply(boost::json::object object);
    kube::Task<std::optional<sb::agent::Error>> remove(sb::agent::ObjectRef ref);
    // nullopt when `ref` is cluster-scoped or its namespace belongs to a ShapeBlock Project.
    kube::Task<std::optional<sb::agent::Error>> check_namespace(const sb::agent::ObjectRef& ref);
    // true once the namespace exists (false after kNamespaceWait).
    kube::Task<bool> wait_for_namespace(std::string ns);

  private:
    bool cached_project_owns(std::string_view ns) const;

    kube::Client& client_;
    kube::Informer& projects_;
};

// The resource of a ShapeBlock kind (nullptr for any other kind).
const kube::ResourceRef* shapeblock_resource(std::string_view kind);

// The error to ack with for an exception from the Kubernetes client.
sb::agent::Error error_from_exception(std::exception_ptr e);

}  // namespace sb::op::agent
