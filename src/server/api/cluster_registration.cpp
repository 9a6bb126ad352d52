#include "server/api/cluster_registration.hpp"

#include <cctype>

#include "server/agent/install_manifest.hpp"
#include "server/auth/agent_token.hpp"
#include "server/store/cluster_registration_store.hpp"
#include "server/store/cluster_store.hpp"

namespace sb::server::api {

namespace {

constexpr std::string_view kTokenPrefix = "sbr";

bool valid_host(std::string_view host) {
    if (host.empty() || host.size() > 255) return false;
    for (char c : host)
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '-' && c != ':' && c != '[' && c != ']')
            return false;
    return true;
}

std::string install_url(const std::string& base, const std::string& cluster_id, const std::string& token) {
    return base + "/api/v1/clusters/" + cluster_id + "/install.yaml?token=" + token;
}

ApiError unknown_token() {
    return ApiError(401, "registration_invalid",
                    "this registration URL is not valid: its token is unknown, or a newer registration replaced it, or "
                    "the cluster was removed");
}

// Why a matching registration could not be spent: as it is now, after a
// concurrent request may have spent or replaced it.
ApiError not_spendable(const std::optional<store::ClusterRegistration>& r, const std::string& token_hash, std::int64_t now) {
    if (!r || r->token_hash != token_hash) return unknown_token();
    if (r->used_at)
        return ApiError(410, "registration_used",
                        "this registration URL was already used; ask for a new one (POST "
                        "/api/v1/teams/{team}/clusters/{cluster}/registration)");
    if (r->expires_at <= now)
        return ApiError(410, "registration_expired",
                        "this registration URL expired at " + std::string(timestamp(r->expires_at).as_string()) +
                            "; ask for a new one (POST /api/v1/teams/{team}/clusters/{cluster}/registration)");
    return unknown_token();
}

}  // namespace

std::string public_url(const ServerState& state, const Request& request) {
    const auto& configured = state.config.public_url;
    if (!configured.empty()) return configured.ends_with('/') ? configured.substr(0, configured.size() - 1) : configured;
    auto host = request.header("host");
    if (!host || !valid_host(*host))
        throw ApiError(400, "invalid_request",
                       "the request has no usable Host header to build the registration URL from; set the server's "
                       "--public-url (SB_PUBLIC_URL)");
    return std::string(request.tls ? "https://" : "http://") + std::string(*host);
}

asio::awaitable<json::object> issue_registration(db::Session& s, Context& ctx, std::string cluster_id) {
    auto base = public_url(ctx.state, ctx.request);
    auto token = crypto::new_token(kTokenPrefix);
    auto now = crypto::now_ms();
    auto expires = now + static_cast<std::int64_t>(ctx.state.config.registration_ttl.count()) * 1000;
    co_await store::ClusterRegistrationStore(s).replace(cluster_id, crypto::token_hash(token), expires, now);
    auto url = install_url(base, cluster_id, token);
    co_return json::object{{"url", url}, {"command", "kubectl apply -f '" + url + "'"}, {"expiresAt", timestamp(expires)}};
}

asio::awaitable<Response> serve_install_manifest(Context& ctx) {
    auto& state = ctx.state;
    // Guessing tokens counts against the caller's IP like failed sign-ins.
    const std::string limiter_key = "registration " + ctx.request.remote_ip;
    if (int wait = state.ip_failures.retry_after(limiter_key); wait > 0) {
        ApiError e(429, "rate_limited", "too many invalid registration URLs; retry in " + std::to_string(wait) + " s");
        e.retry_after_seconds = wait;
        throw e;
    }
    const std::string cluster_id = ctx.param("cluster");
    const std::string token = query_value(ctx.request, "token");
    if (token.empty()) throw ApiError(401, "registration_invalid", "the registration URL needs its ?token=", "token");
    const std::string server_url = public_url(state, ctx.request);
    const std::string agent_token = new_agent_token(cluster_id);
    try {
        co_await state.db->transact([&](db::Session& s) -> asio::awaitable<void> {
            store::ClusterRegistrationStore registrations(s);
            auto now = crypto::now_ms();
            auto found = co_await registrations.find(cluster_id);
            // An unknown cluster costs the same hash and comparison as a known one.
            std::string expected = found ? found->token_hash : std::string(64, '0');
            bool matches = crypto::equal_constant_time(crypto::token_hash(token), expected);
            if (!found || !matches) throw unknown_token();
            bool consumed = co_await registrations.consume(cluster_id, found->token_hash, now);
            if (!consumed) {
                // Another request may have spent or replaced it since `find`.
                auto current = co_await registrations.find(cluster_id);
                throw not_spendable(current, found->token_hash, now);
            }
            co_await store::ClusterStore(s).set_agent_token(cluster_id, crypto::token_hash(agent_token), now);
            co_await audit(s, found->team_id, ctx, "cluster.install_manifest", "cluster", cluster_id);
        });
    } catch (const ApiError& e) {
        if (e.status() == 401) state.ip_failures.record_failure(limiter_key);
        throw;
    }
    // The manifest carries a new agent token: a running operator's old one is void.
    if (auto connection = state.agents.find(cluster_id)) connection->close(4003, "the cluster was registered again");
    auto manifest = agent::install_manifest({server_url, cluster_id, agent_token, state.config.operator_image});
    Response response{200, "application/yaml", std::move(manifest), {}};
    response.with_header("Cache-Control", "no-store");
    co_return response;
}

}  // namespace sb::server::api
