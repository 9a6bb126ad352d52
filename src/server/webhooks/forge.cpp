#include "server/webhooks/forge.hpp"

namespace sb::server::webhooks {

namespace {

std::string header_or_empty(const HeaderLookup& header, std::string_view name) {
    auto v = header(name);
    return v ? std::string(*v) : std::string();
}

// The first of `names` the request carries, else "".
std::string first_header(const HeaderLookup& header, std::initializer_list<std::string_view> names) {
    for (auto name : names)
        if (auto v = header(name); v && !v->empty()) return std::string(*v);
    return {};
}

}  // namespace

std::string_view forge_name(Forge forge) {
    switch (forge) {
        case Forge::github: return "github";
        case Forge::gitlab: return "gitlab";
        case Forge::gitea: return "gitea";
        case Forge::forgejo: return "forgejo";
        case Forge::bitbucket: return "bitbucket";
    }
    return "unknown";
}

std::optional<DeliveryHeaders> identify_delivery(const HeaderLookup& header) {
    DeliveryHeaders d;
    if (auto e = header("x-forgejo-event")) {
        d.forge = Forge::forgejo;
        d.event = std::string(*e);
        d.is_push = d.event == "push";
        d.delivery_id = first_header(header, {"x-forgejo-delivery", "x-gitea-delivery"});
    } else if (auto e = header("x-gitea-event")) {
        d.forge = Forge::gitea;
        d.event = std::string(*e);
        d.is_push = d.event == "push";
        d.delivery_id = header_or_empty(header, "x-gitea-delivery");
    } else if (auto e = header("x-gitlab-event")) {
        d.forge = Forge::gitlab;
        d.event = std::string(*e);
        d.is_push = d.event == "Push Hook" || d.event == "Tag Push Hook";
        // Idempotency-Key (GitLab 17.4+) stays the same when a delivery is
        // retried; X-Gitlab-Event-UUID names the event.
        d.delivery_id = first_header(header, {"idempotency-key", "x-gitlab-event-uuid"});
    } else if (auto e = header("x-event-key"); e && header("x-hook-uuid")) {
        d.forge = Forge::bitbucket;
        d.event = std::string(*e);
        d.is_push = d.event == "repo:push";
        d.delivery_id = header_or_empty(header, "x-request-uuid");
    } else if (auto e = header("x-github-event")) {
        d.forge = Forge::github;
        d.event = std::string(*e);
        d.is_push = d.event == "push";
        d.delivery_id = header_or_empty(header, "x-github-delivery");
    } else {
        return std::nullopt;
    }
    if (d.delivery_id.size() > 200) d.delivery_id.resize(200);
    return d;
}

}  // namespace sb::server::webhooks
