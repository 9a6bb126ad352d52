#pragma once
// Standard base64 (RFC 4648, with padding), for kubeconfig *-data fields.
#include <string>
#include <string_view>

namespace sb::kube {

std::string base64_encode(std::string_view in);
// Ignores whitespace; throws std::invalid_argument on any other non-alphabet byte.
std::string base64_decode(std::string_view in);

}  // namespace sb::kube
