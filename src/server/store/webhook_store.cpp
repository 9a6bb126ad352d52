#include "server/store/webhook_store.hpp"

namespace sb::server::store {

namespace {

constexpr const char* kSelectWebhook = "SELECT id, team_id, project_id, app_id, secret, created_at, rotated_at FROM app_webhooks ";
constexpr const char* kSelectDelivery =
    "SELECT id, webhook_id, forge, delivery_id, event, ref, commit_sha, accepted, status, result, message, build_id, received_at "
    "FROM webhook_deliveries ";

Webhook webhook_from(const db::Row& r) { return {r.str(0), r.str(1), r.str(2), r.str(3), r.str(4), r.i64(5), r.i64(6)}; }

WebhookDelivery delivery_from(const db::Row& r) {
    return {r.str(0), r.str(1), r.str(2), r.str(3), r.str(4), r.str(5), r.str(6), r.i64(7) != 0,
            static_cast<int>(r.i64(8)), r.str(9), r.str(10), r.opt_str(11), r.i64(12)};
}

}  // namespace

asio::awaitable<std::optional<Webhook>> WebhookStore::find(std::string id) {
    auto rows = co_await q_.query(std::string(kSelectWebhook) + "WHERE id = $1", db::params(std::move(id)));
    if (rows.empty()) co_return std::nullopt;
    co_return webhook_from(rows.one());
}

asio::awaitable<std::optional<Webhook>> WebhookStore::find_for_app(std::string app_id) {
    auto rows = co_await q_.query(std::string(kSelectWebhook) + "WHERE app_id = $1", db::params(std::move(app_id)));
    if (rows.empty()) co_return std::nullopt;
    co_return webhook_from(rows.one());
}

asio::awaitable<void> WebhookStore::insert(Webhook w) {
    co_await q_.query("INSERT INTO app_webhooks (id, team_id, project_id, app_id, secret, created_at, rotated_at) "
                      "VALUES ($1, $2, $3, $4, $5, $6, $7)",
                      db::params(std::move(w.id), std::move(w.team_id), std::move(w.project_id), std::move(w.app_id),
                                 std::move(w.secret), w.created_at, w.rotated_at));
}

asio::awaitable<void> WebhookStore::rotate(std::string id, std::string sealed_secret, std::int64_t now) {
    co_await q_.query("UPDATE app_webhooks SET secret = $1, rotated_at = $2 WHERE id = $3",
                      db::params(std::move(sealed_secret), now, std::move(id)));
}

asio::awaitable<bool> WebhookStore::remove_for_app(std::string app_id) {
    auto r = co_await q_.query("DELETE FROM app_webhooks WHERE app_id = $1", db::params(std::move(app_id)));
    co_return r.affected != 0;
}

asio::awaitable<void> WebhookStore::record(WebhookDelivery d) {
    co_await q_.query(
        "INSERT INTO webhook_deliveries (id, webhook_id, forge, delivery_id, event, ref, commit_sha, accepted, status, result, "
        "message, build_id, received_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
        db::params(std::move(d.id), std::move(d.webhook_id), std::move(d.forge), std::move(d.delivery_id), std::move(d.event),
                   std::move(d.ref), std::move(d.commit_sha), std::int64_t{d.accepted ? 1 : 0}, std::int64_t{d.status},
                   std::move(d.result), std::move(d.message), db::nullable(d.build_id), d.received_at));
}

asio::awaitable<std::optional<WebhookDelivery>> WebhookStore::find_accepted(std::string webhook_id, std::string forge,
                                                                            std::string delivery_id) {
    auto rows = co_await q_.query(std::string(kSelectDelivery) +
                                      "WHERE webhook_id = $1 AND forge = $2 AND delivery_id = $3 AND accepted = 1",
                                  db::params(std::move(webhook_id), std::move(forge), std::move(delivery_id)));
    if (rows.empty()) co_return std::nullopt;
    co_return delivery_from(rows.one());
}

asio::awaitable<std::optional<WebhookDelivery>> WebhookStore::find_build_of(std::string webhook_id, std::string commit_sha) {
    auto rows = co_await q_.query(std::string(kSelectDelivery) +
                                      "WHERE webhook_id = $1 AND commit_sha = $2 AND build_id IS NOT NULL",
                                  db::params(std::move(webhook_id), std::move(commit_sha)));
    if (rows.empty()) co_return std::nullopt;
    co_return delivery_from(rows.one());
}

asio::awaitable<std::vector<WebhookDelivery>> WebhookStore::recent(std::string webhook_id, std::int64_t limit) {
    auto rows = co_await q_.query(std::string(kSelectDelivery) + "WHERE webhook_id = $1 ORDER BY id DESC LIMIT $2",
                                  db::params(std::move(webhook_id), limit));
    co_return rows_as<WebhookDelivery>(rows, delivery_from);
}

asio::awaitable<void> WebhookStore::prune_unaccepted(std::string webhook_id, std::int64_t keep) {
    co_await q_.query(
        "DELETE FROM webhook_deliveries WHERE webhook_id = $1 AND accepted = 0 AND id NOT IN "
        "(SELECT id FROM webhook_deliveries WHERE webhook_id = $1 AND accepted = 0 ORDER BY id DESC LIMIT $2)",
        db::params(std::move(webhook_id), keep));
}

}  // namespace sb::server::store
