// Fuzzes what the operator and the build pod read from a registry and its
// token service (src/operator/registry/registry_auth.cpp): a WWW-Authenticate
// challenge and a token answer, and a docker config from a Secret. None may
// crash; a parsed bearer challenge keeps its realm as given.
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string_view>

#include "operator/registry/registry_auth.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    auto challenge = sb::op::registry::parse_challenge(text);
    if (challenge && challenge->scheme.empty()) __builtin_trap();
    (void)sb::op::registry::token_from_answer(text);
    try {
        (void)sb::op::registry::credentials_for(text, "registry.example.com:5000");
    } catch (const std::invalid_argument&) {
    }
    return 0;
}
