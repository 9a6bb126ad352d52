#include "server/core/authenticator.hpp"

#include "server/core/api_error.hpp"
#include "server/core/crypto.hpp"
#include "server/core/state.hpp"

namespace sb::server {
namespace asio = boost::asio;

namespace {

// last_used_at is informational: refreshed at most once a minute per token.
constexpr std::int64_t kLastUsedResolutionMs = 60'000;

asio::awaitable<AuthCache::Token> load_token(ServerState& state, std::string hash, std::int64_t now) {
    if (auto cached = state.auth_cache.token(hash, now)) co_return *cached;
    auto ticket = state.auth_cache.ticket();
    auto rows = co_await state.db->query(
        "SELECT t.id, t.expires_at, t.last_used_at, u.id, u.email, u.is_admin FROM api_tokens t "
        "JOIN users u ON u.id = t.user_id WHERE t.token_hash = $1",
        db::params(hash));
    if (rows.empty()) throw ApiError(401, "unauthenticated", "the API token is not valid");
    const auto& row = rows.one();
    AuthCache::Token token{row.str(0), {row.str(3), row.str(4), row.i64(5) != 0}, row.opt_i64(1), row.opt_i64(2)};
    state.auth_cache.put_token(hash, token, ticket, now);
    co_return token;
}

asio::awaitable<AuthCache::Session> load_session(ServerState& state, std::string hash, std::int64_t now) {
    if (auto cached = state.auth_cache.session(hash, now)) co_return *cached;
    auto ticket = state.auth_cache.ticket();
    auto rows = co_await state.db->query(
        "SELECT u.id, u.email, u.is_admin, s.csrf_token, s.expires_at FROM sessions s JOIN users u ON u.id = s.user_id "
        "WHERE s.token_hash = $1",
        db::params(hash));
    if (rows.empty()) throw ApiError(401, "unauthenticated", "the session has expired; sign in again");
    const auto& row = rows.one();
    AuthCache::Session session{{row.str(0), row.str(1), row.i64(2) != 0}, row.str(3), row.i64(4)};
    state.auth_cache.put_session(hash, session, ticket, now);
    co_return session;
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
            co_await state.db->query("UPDATE api_tokens SET last_used_at = $1 WHERE id = $2", db::params(now, token.token_id));
        co_return Principal{std::move(token.user.user_id), std::move(token.user.email), token.user.is_admin, false, {}};
    }
    if (auto cookie = request.cookie("sb_session")) {
        auto hash = crypto::token_hash(*cookie);
        auto session = co_await load_session(state, hash, now);
        if (session.expires_at <= now) throw ApiError(401, "unauthenticated", "the session has expired; sign in again");
        bool safe = request.method == "GET" || request.method == "HEAD" || request.method == "OPTIONS";
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
        auto rows = co_await state.db->query("SELECT role FROM memberships WHERE team_id = $1 AND user_id = $2",
                                             db::params(team_id, user_id));
        if (rows.empty()) co_return std::nullopt;
        name = rows.one().str(0);
        state.auth_cache.put_role(team_id, user_id, *name, ticket, now);
    }
    co_return parse_role(*name).value_or(Role::viewer);
}

asio::awaitable<bool> row_exists(ServerState& state, std::string kind, const char* sql, db::Params params) {
    auto now = crypto::now_ms();
    std::string key = std::move(kind);
    for (const auto& p : params)
        if (const auto* s = std::get_if<std::string>(&p)) key.append("/").append(*s);
    if (state.auth_cache.exists(key, now)) co_return true;
    auto ticket = state.auth_cache.ticket();
    auto rows = co_await state.db->query(sql, std::move(params));
    if (rows.empty()) co_return false;
    state.auth_cache.put_exists(key, ticket, now);
    co_return true;
}

}  // namespace sb::server
