#pragma once
// Which forge sent a webhook delivery, and what its headers say about it.
// Pure: no I/O, no database (tests/server/webhooks, tests/fuzz).
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace sb::server::webhooks {

enum class Forge { github, gitlab, gitea, forgejo, bitbucket };
std::string_view forge_name(Forge forge);

// A request header by lower-case name.
using HeaderLookup = std::function<std::optional<std::string_view>(std::string_view lower_name)>;

struct DeliveryHeaders {
    Forge forge = Forge::github;
    std::string event;        // as the forge names it: "push", "Push Hook", "repo:push", "ping", ...
    bool is_push = false;     // a branch or tag push (GitLab's tag pushes included)
    std::string delivery_id;  // the forge's id of this delivery, the same on a redelivery; empty when none was sent
};

// Gitea and Forgejo also send GitHub's and Gogs' headers, so their own are
// looked at first. nullopt: no forge's event header.
std::optional<DeliveryHeaders> identify_delivery(const HeaderLookup& header);

}  // namespace sb::server::webhooks
