#pragma once
// cert-manager's Certificate API, which the operator reads (never writes):
// watched only when the cluster serves it, so a cluster without cert-manager
// runs the operator all the same (hosts then report Pending with why).
#include "kube/client.hpp"
#include "kube/resource.hpp"

namespace sb::op {

extern const kube::ResourceRef certificates;  // cert-manager.io/v1 Certificate
extern const kube::ResourceRef ingresses;     // networking.k8s.io/v1 Ingress

// Whether the CRD certificates.cert-manager.io is installed. An error other
// than "not found" (forbidden, unreachable) counts as absent, with a warning:
// watching an API that cannot be listed would keep the caches from syncing.
kube::Task<bool> certificate_api_served(kube::Client& client);

}  // namespace sb::op
