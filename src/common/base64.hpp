#pragma once
// Standard base64 (RFC 4648, with padding): kubeconfig *-data fields, Secret
// data, tokens, keys and licences.
#include <optional>
#include <string>
#include <string_view>

namespace sb {

std::string base64_encode(std::string_view in);
// Ignores whitespace; throws std::invalid_argument on any other non-alphabet byte.
std::string base64_decode(std::string_view in);
// As base64_decode, but nullopt instead of throwing: for bytes from outside.
std::optional<std::string> try_base64_decode(std::string_view in);

}  // namespace sb
