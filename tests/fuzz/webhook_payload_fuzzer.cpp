// Fuzzes the git webhooks' push payload decoder: the first byte picks the
// forge, the rest is the delivery's body (already verified by its signature
// in the server, but a forge's body is still outside input). Every decoded
// commit must be a full SHA and every repository key well formed.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "server/webhooks/push_event.hpp"
#include "tests/fuzz/fuzz_checks.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace sb::server;
    using webhooks::Forge;
    if (size == 0) return 0;
    static constexpr Forge kForges[] = {Forge::github, Forge::gitlab, Forge::gitea, Forge::forgejo, Forge::bitbucket};
    Forge forge = kForges[data[0] % 5];
    std::string_view body(reinterpret_cast<const char*>(data) + 1, size - 1);
    try {
        auto push = webhooks::parse_push(forge, body);
        for (const auto& u : push.updates)
            if (!u.commit.empty() && !webhooks::is_full_commit_sha(u.commit)) std::abort();
        for (const auto& url : push.repository_urls) {
            auto key = webhooks::repository_key(url);
            if (!key.empty() && key.find('/') == std::string::npos) std::abort();
        }
    } catch (const ApiError& e) {
        fuzz::check_client_error(e);
    }
    return 0;
}
