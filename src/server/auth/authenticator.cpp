#include "server/auth/authenticator.hpp"

#include "server/core/api_error.hpp"
#include "server/core/crypto.hpp"
#include "server/core/state.hpp"
#include "server/store/member_store.hpp"
#include "server/store/session_store.hpp"
#include "server/store/token_store.hpp"

namespace sb::server {
namespace asio = boost::asio;

namespace {

// last_used_at is informational: refreshed at most once a minute per token.
constexpr std::int64_t kLastUsedResolutionMs = 60'000;

asio::awaitable<AuthCache::Token> load_token(ServerState& state, std::string hash, std::int64_t now) {
    if (auto cached = state.auth_cache.token(hash, now)) co_return *cached;
    auto ticket = state.auth_cache.ticket();
    auto found = co_await store::TokenStore(*state.db).find_by_hash(hash);
    if (!found) throw ApiError(401, "unauthenticated", "the API token is not valid");
    AuthCache::Token token{std::move(found->token_id), {std::move(found->user_id), std::move(found->email), found->is_admin},
                           found->expires_at, found->last_used_at};
    state.auth_cache.put_token(hash, token, ticket, now);
    co_return token;
}

asio::awaitable<AuthCache::Session> load_session(ServerState& state, std::string hash, std::int64_t now) {
    if (auto cached = state.auth_cache.session(hash, now)) co_return *cached;
    auto ticket = state.auth_cache.ticket();
    auto found = co_await store::SessionStore(*state.db).find(hash);
    if (!found) throw ApiError(401, "unauthenticated", "the session has expired; sign in again");
    AuthCache::Session session{{std::move(found->user_id), std::move(found->email), found->is_admin},
                               std::move(found->csrf_token), found->expires_at};
    state.auth_cache.put_session(hash, session, ticket, now);
    co_return session;
}

// The origin pages of this server have: the scheme, host and port of
// --public-url, else those the request came to.
std::string own_origin(const ServerState& state, const Request& request) {
    const auto& configured = state.config.public_url;
    if (!configured.empty()) {
        auto scheme_end = configured.find("://");
        auto path = scheme_end == std::string::npos ? std::string::npos : configured.find('/', scheme_end + 3);
        return configured.substr(0, path);
    }
    return std::string(request.tls ? "https://" : "http://") + std::string(request.header("host").value_or(""));
}

bool is_websocket_upgrade(const Request& request) {
    auto upgrade = request.header("upgrade");
    if (!upgrade || upgrade->size() != 9) return false;
    for (std::size_t i = 0; i < 9; ++i)
        if (std::tolower(static_cast<unsigned char>((*upgrade)[i])) != "websocket"[i]) return false;
    return true;
}

}  // namespace

asio::awaitable<std::optional<Principal>> authenticate(ServerState& state, const Request& request) {
    auto now = crypto::now_ms();
    if (auto auth = request.header("authorization")) {
        std::string_view value = *auth;
        if (!value.starts_with("Bearer ")) throw ApiError(401, "unauthenticated", "Authorization must be a Bearer token");
        auto token = co_await load_token(state, crypto::token_hash(value.substr(7)), now);
        if (token.expires_at && *token.expires_at <= now) throw ApiError(401, "token_expired", "the API token has expired");
        if (!token.last_used_at || now - *token.last_used_at > kLastUsedResolutionMs)
            co_await store::TokenStore(*state.db).touch(token.token_id, now);
        co_return Principal{std::move(token.user.user_id), std::move(token.user.email), token.user.is_admin, false, {}};
    }
    if (auto cookie = request.cookie("sb_session")) {
        auto hash = crypto::token_hash(*cookie);
        auto session = co_await load_session(state, hash, now);
        if (session.expires_at <= now) throw ApiError(401, "unauthenticated", "the session has expired; sign in again");
        bool safe = request.method == "GET" || request.method == "HEAD" || request.method == "OPTIONS";
        // A browser sends cookies on a cross-site WebSocket handshake and no
        // CSRF header can be added to it: the Origin must be this server's.
        if (is_websocket_upgrade(request)) {
            auto origin = request.header("origin");
            if (!origin || *origin != own_origin(state, request))
                throw ApiError(403, "origin", "a WebSocket signed in by cookie must come from this server's own pages (Origin)");
        }
        if (!safe) {
            auto sent = request.header("x-csrf-token");
            if (!sent || !crypto::equal_constant_time(*sent, session.csrf_token))
                throw ApiError(403, "csrf", "cookie-authenticated writes need the X-CSRF-Token header from login");
        }
        co_return Principal{std::move(session.user.user_id), std::move(session.user.email), session.user.is_admin, true,
                            std::move(hash)};
    }
    co_return std::nullopt;
}

asio::awaitable<std::optional<Role>> team_role(ServerState& state, std::string team_id, std::string user_id) {
    auto now = crypto::now_ms();
    auto name = state.auth_cache.role(team_id, user_id, now);
    if (!name) {
        auto ticket = state.auth_cache.ticket();
        name = co_await store::MemberStore(*state.db).role(team_id, user_id);
        if (!name) co_return std::nullopt;
        state.auth_cache.put_role(team_id, user_id, *name, ticket, now);
    }
    co_return parse_role(*name).value_or(Role::viewer);
}

}  // namespace sb::server
