#pragma once
// app_webhooks and webhook_deliveries: an app's git webhook (its sealed
// secret) and what each delivery to it was answered.
#include <optional>
#include <string>
#include <vector>

#include "server/store/querier.hpp"

namespace sb::server::store {

struct Webhook {
    std::string id;  // random: the delivery URL's last segment
    std::string team_id;
    std::string project_id;
    std::string app_id;
    std::string secret;  // sealed
    std::int64_t created_at = 0;
    std::int64_t rotated_at = 0;
};

struct WebhookDelivery {
    std::string id;
    std::string webhook_id;
    std::string forge;        // "github", ... or "unknown"
    std::string delivery_id;  // the forge's, or "sha256:<body hash>" when it sent none
    std::string event;
    std::string ref;
    std::string commit_sha;
    // A verified delivery seen for the first time: unique per (webhook,
    // forge, delivery_id), so a redelivery is recognised.
    bool accepted = false;
    int status = 0;
    std::string result;  // "started", "ignored", "duplicate", "rejected", "failed"
    std::string message;
    std::optional<std::string> build_id;  // set only on the delivery that started the build: one per commit
    std::int64_t received_at = 0;
};

class WebhookStore {
public:
    explicit WebhookStore(Querier q) : q_(q) {}

    asio::awaitable<std::optional<Webhook>> find(std::string id);
    asio::awaitable<std::optional<Webhook>> find_for_app(std::string app_id);
    asio::awaitable<void> insert(Webhook webhook);
    asio::awaitable<void> rotate(std::string id, std::string sealed_secret, std::int64_t now);
    // False when the app had none.
    asio::awaitable<bool> remove_for_app(std::string app_id);

    asio::awaitable<void> record(WebhookDelivery delivery);
    asio::awaitable<std::optional<WebhookDelivery>> find_accepted(std::string webhook_id, std::string forge, std::string delivery_id);
    // The delivery that started a build of this commit, if one did.
    asio::awaitable<std::optional<WebhookDelivery>> find_build_of(std::string webhook_id, std::string commit_sha);
    // Newest first.
    asio::awaitable<std::vector<WebhookDelivery>> recent(std::string webhook_id, std::int64_t limit);
    // Keeps the newest `keep` deliveries that dedupe nothing (rejected,
    // duplicates); the others are kept as long as the webhook.
    asio::awaitable<void> prune_unaccepted(std::string webhook_id, std::int64_t keep);

private:
    Querier q_;
};

}  // namespace sb::server::store
