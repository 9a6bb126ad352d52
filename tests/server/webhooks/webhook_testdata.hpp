#pragma once
// The forges' push payloads in testdata/, modelled on each forge's documented
// example, and the headers each forge sends with them.
#include <fstream>
#include <map>
#include <sstream>
#include <string>

#include "server/webhooks/forge.hpp"
#include "server/webhooks/signature.hpp"

namespace sb::server::webhooks::testing {

inline std::string read_testdata(const std::string& name) {
    std::ifstream in(std::string(SB_WEBHOOK_TESTDATA) + "/" + name, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    if (s.str().empty()) throw std::runtime_error("missing test data " + name);
    return s.str();
}

using Headers = std::map<std::string, std::string>;  // canonical names, as forges send them

// What `forge` sends with `body`, signed with `secret`, as documented.
inline Headers forge_headers(Forge forge, const std::string& body, const std::string& secret, const std::string& delivery,
                             const std::string& event = "") {
    auto mac = hmac_sha256_hex(secret, body);
    switch (forge) {
        case Forge::github:
            return {{"X-GitHub-Event", event.empty() ? "push" : event}, {"X-GitHub-Delivery", delivery},
                    {"X-GitHub-Hook-ID", "292430182"}, {"X-Hub-Signature-256", "sha256=" + mac},
                    {"User-Agent", "GitHub-Hookshot/044aadd"}, {"Content-Type", "application/json"}};
        case Forge::gitlab:
            return {{"X-Gitlab-Event", event.empty() ? "Push Hook" : event}, {"X-Gitlab-Token", secret},
                    {"X-Gitlab-Event-UUID", delivery}, {"Idempotency-Key", delivery},
                    {"X-Gitlab-Webhook-UUID", "0c3e5f3e-1a9e-4f5b-a8cf-6b8c1e7c9d21"},
                    {"X-Gitlab-Instance", "https://gitlab.example.com"}, {"User-Agent", "GitLab/17.5.0"},
                    {"Content-Type", "application/json"}};
        case Forge::gitea:
            // Gitea also sends GitHub's and Gogs' event headers.
            return {{"X-Gitea-Event", event.empty() ? "push" : event}, {"X-Gitea-Event-Type", event.empty() ? "push" : event},
                    {"X-Gitea-Delivery", delivery}, {"X-Gitea-Signature", mac}, {"X-GitHub-Event", event.empty() ? "push" : event},
                    {"X-GitHub-Delivery", delivery}, {"X-Gogs-Event", event.empty() ? "push" : event}, {"X-Gogs-Delivery", delivery},
                    {"X-Gogs-Signature", mac}, {"X-Hub-Signature-256", "sha256=" + mac}, {"Content-Type", "application/json"}};
        case Forge::forgejo:
            return {{"X-Forgejo-Event", event.empty() ? "push" : event}, {"X-Forgejo-Delivery", delivery},
                    {"X-Forgejo-Signature", mac}, {"X-Gitea-Event", event.empty() ? "push" : event}, {"X-Gitea-Delivery", delivery},
                    {"X-Gitea-Signature", mac}, {"X-GitHub-Event", event.empty() ? "push" : event}, {"X-GitHub-Delivery", delivery},
                    {"X-Hub-Signature-256", "sha256=" + mac}, {"Content-Type", "application/json"}};
        case Forge::bitbucket:
            return {{"X-Event-Key", event.empty() ? "repo:push" : event}, {"X-Hook-UUID", "{cb2d4d4c-6a2b-4a5e-9f0f-4a4e4b8a1c11}"},
                    {"X-Request-UUID", delivery}, {"X-Attempt-Number", "1"}, {"X-Hub-Signature", "sha256=" + mac},
                    {"User-Agent", "Bitbucket-Webhooks/2.0"}, {"Content-Type", "application/json"}};
    }
    return {};
}

inline std::string lower(std::string s) {
    for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

// A HeaderLookup over `headers` (looked up by lower-case name, as the server does).
inline HeaderLookup lookup(const Headers& headers) {
    return [&headers](std::string_view name) -> std::optional<std::string_view> {
        for (const auto& [k, v] : headers)
            if (lower(k) == name) return std::string_view(v);
        return std::nullopt;
    };
}

inline const char* payload_file(Forge forge) {
    switch (forge) {
        case Forge::github: return "github_push.json";
        case Forge::gitlab: return "gitlab_push.json";
        case Forge::gitea:
        case Forge::forgejo: return "gitea_push.json";
        case Forge::bitbucket: return "bitbucket_push.json";
    }
    return "";
}

// The commit each payload file pushes to refs/heads/main.
inline const char* pushed_commit(Forge forge) {
    switch (forge) {
        case Forge::github: return "0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c";
        case Forge::gitlab: return "da1560886d4f094c3e6c9ef40349f7d38b5d27d7";
        case Forge::gitea:
        case Forge::forgejo: return "bffeb74224043ba2feb48d137756c8a9331c449a";
        case Forge::bitbucket: return "709d658dc5b6d6afcd46049c2f332ee3f515a67d";
    }
    return "";
}

}  // namespace sb::server::webhooks::testing
