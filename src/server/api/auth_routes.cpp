// Sign-in, sessions, personal API tokens, password change and user accounts.
#include "server/api/helpers.hpp"
#include "common/log.hpp"

namespace sb::server::api {

namespace {

constexpr std::size_t kMinPassword = 10;

json::object user_json(const db::Row& r) {
    // columns: id, email, name, is_admin, created_at
    return {{"id", r.str(0)}, {"email", r.str(1)}, {"name", r.str(2)}, {"isAdmin", r.i64(3) != 0}, {"createdAt", timestamp(r.i64(4))}};
}

void check_password_strength(const std::string& field, const std::string& password) {
    if (password.size() < kMinPassword)
        throw invalid_field(field, field + " must be at least " + std::to_string(kMinPassword) + " characters");
}

std::string session_cookie(const ServerState& state, const std::string& value, std::int64_t max_age) {
    std::string cookie = "sb_session=" + value + "; Path=/; HttpOnly; SameSite=Lax; Max-Age=" + std::to_string(max_age);
    if (state.config.tls()) cookie += "; Secure";
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
    auto rows = co_await state.db->query("SELECT id, email, name, is_admin, created_at, password_hash FROM users WHERE email = $1", db::params(email));
    bool ok = false;
    if (!rows.empty()) ok = co_await state.passwords.verify(rows.one().str(5), password);
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
    co_await state.db->query("INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)",
                             db::params(crypto::token_hash(token), rows.one().str(0), csrf, now, now + ttl * 1000));
    auto response = Response::json(200, json::object{{"user", user_json(rows.one())}, {"csrfToken", csrf},
                                                      {"expiresAt", timestamp(now + ttl * 1000)}});
    response.with_header("Set-Cookie", session_cookie(state, token, ttl));
    co_return response;
}

asio::awaitable<Response> logout(Context& ctx) {
    if (ctx.user().via_cookie)
        co_await ctx.state.db->query("DELETE FROM sessions WHERE token_hash = $1", db::params(ctx.user().session_hash));
    auto response = Response::no_content();
    response.with_header("Set-Cookie", session_cookie(ctx.state, "", 0));
    co_return response;
}

asio::awaitable<Response> me(Context& ctx) {
    auto rows = co_await ctx.state.db->query("SELECT id, email, name, is_admin, created_at FROM users WHERE id = $1", db::params(ctx.user().user_id));
    if (rows.empty()) throw unauthenticated();
    co_return Response::json(200, user_json(rows.one()));
}

asio::awaitable<Response> change_password(Context& ctx) {
    auto body = BodyReader::parse(ctx.request.body);
    auto current = body.required_string("currentPassword", {.max_length = 1024});
    auto next = body.required_string("newPassword", {.max_length = 1024});
    body.finish();
    check_password_strength("newPassword", next);
    auto rows = co_await ctx.state.db->query("SELECT password_hash FROM users WHERE id = $1", db::params(ctx.user().user_id));
    if (rows.empty() || !co_await ctx.state.passwords.verify(rows.one().str(0), current))
        throw ApiError(400, "invalid_credentials", "currentPassword is wrong", "currentPassword");
    auto hash = co_await ctx.state.passwords.hash(next);
    co_await ctx.state.db->transact([&](db::Session& s) -> asio::awaitable<void> {
        co_await s.query("UPDATE users SET password_hash = $1, version = version + 1 WHERE id = $2", db::params(hash, ctx.user().user_id));
        // Other sign-ins end; this one stays.
        co_await s.query("DELETE FROM sessions WHERE user_id = $1 AND token_hash <> $2", db::params(ctx.user().user_id, ctx.user().session_hash));
        co_await audit(s, "", ctx, "user.password_change", "user", ctx.user().user_id);
    });
    co_return Response::no_content();
}

json::object token_json(const db::Row& r) {
    // id, name, created_at, expires_at, last_used_at
    return {{"id", r.str(0)}, {"name", r.str(1)}, {"createdAt", timestamp(r.i64(2))},
            {"expiresAt", timestamp(r.opt_i64(3))}, {"lastUsedAt", timestamp(r.opt_i64(4))}};
}

asio::awaitable<Response> list_tokens(Context& ctx) {
    auto page = page_params(ctx.request);
    auto rows = co_await ctx.state.db->query(
        "SELECT id, name, created_at, expires_at, last_used_at FROM api_tokens WHERE user_id = $1 AND id > $2 ORDER BY id LIMIT $3",
        db::params(ctx.user().user_id, page.after, page.limit + 1));
    json::array items;
    for (const auto& r : rows.rows) items.push_back(token_json(r));
    co_return Response::json(200, page_result(std::move(items), page));
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
    co_await ctx.state.db->query(
        "INSERT INTO api_tokens (id, user_id, name, token_hash, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)",
        db::params(id, ctx.user().user_id, name, crypto::token_hash(token), now, db::nullable(expires)));
    json::object out{{"id", id}, {"name", name}, {"createdAt", timestamp(now)}, {"expiresAt", timestamp(expires)},
                     {"lastUsedAt", nullptr}, {"token", token}};
    co_return Response::json(201, out);
}

asio::awaitable<Response> delete_token(Context& ctx) {
    co_await ctx.state.db->query("DELETE FROM api_tokens WHERE id = $1 AND user_id = $2", db::params(ctx.param("token"), ctx.user().user_id));
    co_return Response::no_content();
}

asio::awaitable<Response> list_users(Context& ctx) {
    auto page = page_params(ctx.request, {"email"});
    std::string email = query_value(ctx.request, "email");
    auto rows = co_await ctx.state.db->query(
        "SELECT id, email, name, is_admin, created_at FROM users WHERE id > $1 AND (CAST($2 AS TEXT) = '' OR email = $2) ORDER BY id LIMIT $3",
        db::params(page.after, email, page.limit + 1));
    json::array items;
    for (const auto& r : rows.rows) items.push_back(user_json(r));
    co_return Response::json(200, page_result(std::move(items), page));
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
    auto count = co_await ctx.state.db->query("SELECT COUNT(*) FROM users");
    if (count.one().i64(0) >= ctx.state.licence.max_users)
        throw licence_limit("the licence allows " + std::to_string(ctx.state.licence.max_users) +
                            " users and they all exist; install a licence with more users");
    auto hash = co_await ctx.state.passwords.hash(password);
    auto id = crypto::new_id();
    auto now = crypto::now_ms();
    Response response;
    co_await ctx.state.db->transact([&](db::Session& s) -> asio::awaitable<void> {
        auto existing = co_await s.query("SELECT 1 FROM users WHERE email = $1", db::params(email));
        if (!existing.empty()) throw conflict("a user with this e-mail exists", "email");
        co_await s.query("INSERT INTO users (id, email, name, password_hash, is_admin, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
                         db::params(id, email, name, hash, std::int64_t{is_admin ? 1 : 0}, now));
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
    r.add({"GET", "/api/v1/me", Access::authenticated, Role::viewer, "The signed-in user", "auth", me});
    r.add({"PUT", "/api/v1/me/password", Access::authenticated, Role::viewer, "Change my password", "auth", change_password, 204, true});
    r.add({"GET", "/api/v1/me/tokens", Access::authenticated, Role::viewer, "List my API tokens", "auth", list_tokens});
    r.add({"POST", "/api/v1/me/tokens", Access::authenticated, Role::viewer, "Create an API token (shown once)", "auth", create_token, 201, true});
    r.add({"DELETE", "/api/v1/me/tokens/{token}", Access::authenticated, Role::viewer, "Revoke an API token", "auth", delete_token, 204});
    r.add({"GET", "/api/v1/users", Access::server_admin, Role::viewer, "List users", "users", list_users});
    r.add({"POST", "/api/v1/users", Access::server_admin, Role::viewer, "Create a user", "users", create_user, 201, true, false, true});
}

}  // namespace sb::server::api
