#pragma once
// --install-crds: server-side apply of the embedded CRDs, then wait until
// the API server reports each one Established.
#include <chrono>

#include "kube/client.hpp"

namespace sb::op {

// Throws kube::ApiError / std::runtime_error when a CRD is refused or does not
// become Established within `timeout`.
kube::Task<void> install_crds(kube::Client& client, std::chrono::seconds timeout = std::chrono::seconds(60));

}  // namespace sb::op
