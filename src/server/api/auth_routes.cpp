// Sign-in, sessions, personal API tokens, password change and user accounts.
#include "server/api/helpers.hpp"
#include "server/store/session_store.hpp"
#include "server/store/token_store.hpp"
#include "server/store/user_store.hpp"
#include "common/log.hpp"

namespace sb::server::api {

namespace {

constexpr std::size_t kMinPassword = 10;

json::object user_json(const store::User& u) {
    return {{"id", u.id}, {"email", u.email}, {"name", u.name}, {"isAdmin", u.is_admin}, {"createdAt", timestamp(u.created_at)}};
}

void check_password_strength(const std::string& field, const std::string& password) {
    if (password.size() < kMinPassword)
        throw invalid_field(field, field + " must be at least " + std::to_string(kMinPassword) + " characters");
}

// Strict: no other site can make the browser send it, not even on a link.
// Secure when the browser reached the server over TLS (directly, or through
// a TLS-terminating proxy named by --public-url https://...).
std::string session_cookie(const ServerState& state, const Request& request, const std::string& value, std::int64_t max_age) {
    std::string cookie = "sb_session=" + value + "; Path=/; HttpOnly; SameSite=Strict; Max-Age=" + std::to_string(max_age);
    if (request.tls || state.config.tls() || state.config.public_url.starts_with("https://")) cookie += "; Secure";
    return cookie;
}

asio::awaitable<Response> login(Context& ctx) {
    auto body = BodyReader::parse(ctx.request.body);
    auto email = body.required_string("email", {.max_length = 254, .allow_empty = false});
    auto password = body.required_string("password", {.max_length = 1024, .allow_empty = false});
    body.finish();
    auto& state = ctx.state;
    std::string account_key = email, ip_key = ctx.request.remote_ip;
    for (auto [limiter, key] : {std::pair{&state.account_failures, account_key}, std::pair{&state.ip_failures, ip_key}}) {
        if (int wait = limiter->retry_after(key); wait > 0) {
            ApiError e(429, "rate_limited", "too many failed sign-ins; retry in " + std::to_string(wait) + " s");
            e.retry_after_seconds = wait;
            throw e;
        }
    }
    auto found = co_await store::UserStore(*state.db).find_by_email_with_password(email);
    bool ok = false;
    if (found) ok = co_await state.passwords.verify(found->password_hash, password);
    if (!ok) {
        state.account_failures.record_failure(account_key);
        state.ip_failures.record_failure(ip_key);
        sb::log::info("sign-in failed", {{"ip", boost::json::value(ctx.request.remote_ip)}});
        throw ApiError(401, "invalid_credentials", "e-mail or password is wrong");
    }
    state.account_failures.reset(account_key);
    auto token = crypto::new_token("sbs");
    auto csrf = crypto::random_hex(24);
    auto now = crypto::now_ms();
    auto ttl = static_cast<std::int64_t>(state.config.session_ttl.count());
    co_await store::SessionStore(*state.db).insert(crypto::token_hash(token), found->user.id, csrf, now, now + ttl * 1000);
    auto response = Response::json(200, json::object{{"user", user_json(found->user)}, {"csrfToken", csrf},
                                                      {"expiresAt", timestamp(now + ttl * 1000)}});
    response.with_header("Set-Cookie", session_cookie(state, ctx.request, token, ttl));
    co_return response;
}

asio::awaitable<Response> logout(Context& ctx) {
    if (ctx.user().via_cookie)
        co_await store::SessionStore(*ctx.state.db).remove(ctx.user().session_hash);
    auto response = Response::no_content();
    response.with_header("Set-Cookie", session_cookie(ctx.state, ctx.request, "", 0));
    co_return response;
}

// The browser's sign-in after a reload: the cookie is HttpOnly, so the page
// asks for the user and the CSRF token its writes must carry.
asio::awaitable<Response> session(Context& ctx) {
    auto user = co_await store::UserStore(*ctx.state.db).find(ctx.user().user_id);
    if (!user) throw unauthenticated();
    json::object out{{"user", user_json(*user)}, {"csrfToken", nullptr}, {"expiresAt", nullptr}};
    if (ctx.user().via_cookie) {
        auto found = co_await store::SessionStore(*ctx.state.db).find(ctx.user().session_hash);
        if (!found) throw unauthenticated();
        out["csrfToken"] = found->csrf_token;
        out["expiresAt"] = timestamp(found->expires_at);
    }
    auto response = Response::json(200, out);
    response.with_header("Cache-Control", "no-store");
    co_return response;
}

asio::awaitable<Response> me(Context& ctx) {
    auto user = co_await store::UserStore(*ctx.state.db).find(ctx.user().user_id);
    if (!user) throw unauthenticated();
    co_return Response::json(200, user_json(*user));
}

asio::awaitable<Response> change_password(Context& ctx) {
    auto body = BodyReader::parse(ctx.request.body);
    auto current = body.required_string("currentPassword", {.max_length = 1024});
    auto next = body.required_string("newPassword", {.max_length = 1024});
    body.finish();
    check_password_strength("newPassword", next);
    auto stored = co_await store::UserStore(*ctx.state.db).password_hash(ctx.user().user_id);
    bool verified = false;
    if (stored) verified = co_await ctx.state.passwords.verify(*stored, current);
    if (!verified)
        throw ApiError(400, "invalid_credentials", "currentPassword is wrong", "currentPassword");
    auto hash = co_await ctx.state.passwords.hash(next);
    co_await ctx.state.db->transact([&](db::Session& s) -> asio::awaitable<void> {
        co_await store::UserStore(s).set_password(ctx.user().user_id, hash);
        // Other sign-ins end; this one stays.
        co_await store::SessionStore(s).remove_others(ctx.user().user_id, ctx.user().session_hash);
        co_await audit(s, "", ctx, "user.password_change", "user", ctx.user().user_id);
    });
    co_return Response::no_content();
}

json::object token_json(const store::ApiToken& t) {
    return {{"id", t.id}, {"name", t.name}, {"createdAt", timestamp(t.created_at)},
            {"expiresAt", timestamp(t.expires_at)}, {"lastUsedAt", timestamp(t.last_used_at)}};
}

asio::awaitable<Response> list_tokens(Context& ctx) {
    auto page = page_params(ctx.request);
    auto tokens = co_await store::TokenStore(*ctx.state.db).list(ctx.user().user_id, page_query(page));
    co_return Response::json(200, page_result(json_items(tokens, token_json), page));
}

asio::awaitable<Response> create_token(Context& ctx) {
    auto body = BodyReader::parse(ctx.request.body);
    auto name = body.required_string("name", {.max_length = 100, .allow_empty = false});
    auto days = body.integer("expiresInDays", 1, 3650);
    body.finish();
    auto token = crypto::new_token("sbp");
    auto id = crypto::new_id();
    auto now = crypto::now_ms();
    std::optional<std::int64_t> expires;
    if (days) expires = now + *days * 86'400'000;
    store::ApiToken row{id, name, now, expires, std::nullopt};
    co_await store::TokenStore(*ctx.state.db).insert(ctx.user().user_id, std::move(row), crypto::token_hash(token));
    json::object out{{"id", id}, {"name", name}, {"createdAt", timestamp(now)}, {"expiresAt", timestamp(expires)},
                     {"lastUsedAt", nullptr}, {"token", token}};
    co_return Response::json(201, out);
}

asio::awaitable<Response> delete_token(Context& ctx) {
    co_await store::TokenStore(*ctx.state.db).remove(ctx.param("token"), ctx.user().user_id);
    co_return Response::no_content();
}

asio::awaitable<Response> list_users(Context& ctx) {
    auto page = page_params(ctx.request, {"email"});
    std::string email = query_value(ctx.request, "email");
    auto users = co_await store::UserStore(*ctx.state.db).list(page_query(page), email);
    co_return Response::json(200, page_result(json_items(users, user_json), page));
}

asio::awaitable<Response> create_user(Context& ctx) {
    auto body = BodyReader::parse(ctx.request.body);
    auto email = body.required_string("email", {.max_length = 254, .allow_empty = false});
    auto name = body.required_string("name", {.max_length = 200, .allow_empty = false});
    auto password = body.required_string("password", {.max_length = 1024});
    bool is_admin = body.boolean("isAdmin").value_or(false);
    body.finish();
    validate_email("email", email);
    check_password_strength("password", password);
    auto count = co_await store::UserStore(*ctx.state.db).count();
    if (count >= ctx.state.licence.max_users)
        throw licence_limit("the licence allows " + std::to_string(ctx.state.licence.max_users) +
                            " users and they all exist; install a licence with more users");
    auto hash = co_await ctx.state.passwords.hash(password);
    auto id = crypto::new_id();
    auto now = crypto::now_ms();
    Response response;
    co_await ctx.state.db->transact([&](db::Session& s) -> asio::awaitable<void> {
        store::UserStore users(s);
        auto taken = co_await users.id_by_email(email);
        if (taken) throw conflict("a user with this e-mail exists", "email");
        store::User user{id, email, name, is_admin, now};
        co_await users.insert(std::move(user), hash);
        co_await audit(s, "", ctx, "user.create", "user", id);
        auto made = Response::json(201, json::object{{"id", id}, {"email", email}, {"name", name},
                                                     {"isAdmin", is_admin}, {"createdAt", timestamp(now)}});
        response = co_await created(s, ctx, std::move(made));
    });
    co_return response;
}

}  // namespace

void add_auth_routes(Router& r) {
    r.add({"POST", "/api/v1/auth/login", Access::public_, Role::viewer, "Sign in; sets the session cookie", "auth", login, 200, true});
    r.add({"POST", "/api/v1/auth/logout", Access::authenticated, Role::viewer, "Sign out", "auth", logout, 204});
    r.add({"GET", "/api/v1/auth/session", Access::authenticated, Role::viewer,
           "The signed-in user and, for a browser session, its CSRF token", "auth", session});
    r.add({"GET", "/api/v1/me", Access::authenticated, Role::viewer, "The signed-in user", "auth", me});
    r.add({"PUT", "/api/v1/me/password", Access::authenticated, Role::viewer, "Change my password", "auth", change_password, 204, true});
    r.add({"GET", "/api/v1/me/tokens", Access::authenticated, Role::viewer, "List my API tokens", "auth", list_tokens});
    r.add({"POST", "/api/v1/me/tokens", Access::authenticated, Role::viewer, "Create an API token (shown once)", "auth", create_token, 201, true});
    r.add({"DELETE", "/api/v1/me/tokens/{token}", Access::authenticated, Role::viewer, "Revoke an API token", "auth", delete_token, 204});
    r.add({"GET", "/api/v1/users", Access::server_admin, Role::viewer, "List users", "users", list_users});
    r.add({"POST", "/api/v1/users", Access::server_admin, Role::viewer, "Create a user", "users", create_user, 201, true, true});
}

}  // namespace sb::server::api
