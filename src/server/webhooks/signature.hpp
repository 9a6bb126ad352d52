#pragma once
// Each forge's proof that a delivery comes from it: an HMAC-SHA256 of the
// raw body under the webhook's secret (GitHub, Gitea, Forgejo, Bitbucket),
// or the secret itself in a header (GitLab). Compared in constant time.
#include <string>
#include <string_view>

#include "server/webhooks/forge.hpp"

namespace sb::server::webhooks {

// Lower-case hex HMAC-SHA256 of `body` under `key`.
std::string hmac_sha256_hex(std::string_view key, std::string_view body);

struct Verification {
    bool ok = false;
    std::string header;  // the header that carries (or should carry) the proof
    std::string error;   // why not, for the sender: never includes the expected value
};

Verification verify_delivery(Forge forge, const HeaderLookup& header, std::string_view body, std::string_view secret);

}  // namespace sb::server::webhooks
