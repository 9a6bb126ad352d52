#include "http/router.hpp"

#include <boost/json/serialize.hpp>

#include "common/log.hpp"
#include "common/metrics.hpp"
#include "core/api_error.hpp"
#include "core/crypto.hpp"
#include "core/idempotency.hpp"
#include "core/state.hpp"

namespace sb::server {
namespace asio = boost::asio;
namespace json = boost::json;

std::optional<Role> parse_role(std::string_view text) {
    if (text == "viewer") return Role::viewer;
    if (text == "developer") return Role::developer;
    if (text == "admin") return Role::admin;
    if (text == "owner") return Role::owner;
    return std::nullopt;
}

std::string_view role_name(Role role) {
    switch (role) {
        case Role::viewer: return "viewer";
        case Role::developer: return "developer";
        case Role::admin: return "admin";
        case Role::owner: return "owner";
    }
    return "viewer";
}

void Router::add(Route route) { routes_.push_back(std::move(route)); }

namespace {

std::vector<std::string_view> split_path(std::string_view path) {
    std::vector<std::string_view> parts;
    while (!path.empty()) {
        if (path.front() == '/') {
            path.remove_prefix(1);
            continue;
        }
        auto slash = path.find('/');
        parts.push_back(path.substr(0, slash));
        path = slash == std::string_view::npos ? std::string_view{} : path.substr(slash);
    }
    return parts;
}

// Ids and names only: anything else (dots, slashes, percent-escapes) cannot
// name an object, so it never reaches a query.
bool valid_param(std::string_view v) {
    if (v.empty() || v.size() > 128) return false;
    for (char c : v)
        if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_')) return false;
    return true;
}

// How a path parameter is checked to exist inside its parent. The parent is
// the previous parameter in the path (or the caller, for tokens).
struct Resolver {
    const char* sql;
    const char* parent;
    const char* what;
};
const std::map<std::string, Resolver, std::less<>>& resolvers() {
    static const std::map<std::string, Resolver, std::less<>> r = {
        {"project", {"SELECT 1 FROM projects WHERE id = $1 AND team_id = $2", "team", "project"}},
        {"cluster", {"SELECT 1 FROM clusters WHERE id = $1 AND team_id = $2", "team", "cluster"}},
        {"app", {"SELECT 1 FROM apps WHERE id = $1 AND project_id = $2", "project", "app"}},
        {"service", {"SELECT 1 FROM services WHERE id = $1 AND project_id = $2", "project", "service"}},
        {"build", {"SELECT 1 FROM builds WHERE id = $1 AND app_id = $2", "app", "build"}},
        {"member", {"SELECT 1 FROM memberships WHERE user_id = $1 AND team_id = $2", "team", "member"}},
        {"token", {"SELECT 1 FROM api_tokens WHERE id = $1 AND user_id = $2", "@user", "token"}},
        {"user", {"SELECT 1 FROM users WHERE id = $1", nullptr, "user"}},
    };
    return r;
}

auto& request_counter() {
    static auto& c = sb::metrics::Registry::global().counter("sb_http_requests_total", "HTTP requests by route and status",
                                                              {"method", "route", "status"});
    return c;
}
auto& request_latency() {
    static auto& h = sb::metrics::Registry::global().histogram("sb_http_request_duration_seconds",
                                                                "HTTP request latency by route", {"method", "route"});
    return h;
}

asio::awaitable<std::optional<Principal>> authenticate(ServerState& state, const Request& request) {
    auto now = crypto::now_ms();
    if (auto auth = request.header("authorization")) {
        std::string_view value = *auth;
        if (!value.starts_with("Bearer ")) throw ApiError(401, "unauthenticated", "Authorization must be a Bearer token");
        std::string token(value.substr(7));
        auto rows = co_await state.db->query(
            "SELECT t.id, t.expires_at, t.last_used_at, u.id, u.email, u.is_admin FROM api_tokens t "
            "JOIN users u ON u.id = t.user_id WHERE t.token_hash = $1",
            db::params(crypto::token_hash(token)));
        if (rows.empty()) throw ApiError(401, "unauthenticated", "the API token is not valid");
        const auto& row = rows.one();
        if (auto expires = row.opt_i64(1); expires && *expires <= now)
            throw ApiError(401, "token_expired", "the API token has expired");
        // last-used is informational: refresh it at most once a minute to keep reads cheap.
        if (auto last = row.opt_i64(2); !last || now - *last > 60'000)
            co_await state.db->query("UPDATE api_tokens SET last_used_at = $1 WHERE id = $2", db::params(now, row.str(0)));
        co_return Principal{row.str(3), row.str(4), row.i64(5) != 0, false, {}};
    }
    if (auto cookie = request.cookie("sb_session")) {
        auto hash = crypto::token_hash(*cookie);
        auto rows = co_await state.db->query(
            "SELECT u.id, u.email, u.is_admin, s.csrf_token FROM sessions s JOIN users u ON u.id = s.user_id "
            "WHERE s.token_hash = $1 AND s.expires_at > $2",
            db::params(hash, now));
        if (rows.empty()) throw ApiError(401, "unauthenticated", "the session has expired; sign in again");
        const auto& row = rows.one();
        bool safe = request.method == "GET" || request.method == "HEAD" || request.method == "OPTIONS";
        if (!safe) {
            auto sent = request.header("x-csrf-token");
            if (!sent || !crypto::equal_constant_time(*sent, row.str(3)))
                throw ApiError(403, "csrf", "cookie-authenticated writes need the X-CSRF-Token header from login");
        }
        co_return Principal{row.str(0), row.str(1), row.i64(2) != 0, true, hash};
    }
    co_return std::nullopt;
}

}  // namespace

Response error_response(std::exception_ptr error) {
    try {
        std::rethrow_exception(error);
    } catch (const ApiError& e) {
        auto r = Response::error(e.status(), e.code(), e.what(), e.field());
        if (e.retry_after_seconds > 0) r.with_header("Retry-After", std::to_string(e.retry_after_seconds));
        return r;
    } catch (const db::Error& e) {
        switch (e.kind()) {
            case db::Error::Kind::unique_violation:
                return Response::error(409, "conflict", "an object with this name already exists", "name");
            case db::Error::Kind::foreign_key_violation:
                return Response::error(409, "conflict", "a referenced object does not exist or is still in use");
            case db::Error::Kind::unavailable:
                sb::log::error("database unavailable", {{"error", e.what()}});
                return Response::error(503, "unavailable", "the database is unavailable, retry shortly");
            default:
                sb::log::error("database error", {{"error", e.what()}});
                return Response::error(500, "internal", "internal error");
        }
    } catch (const std::exception& e) {
        sb::log::error("request failed", {{"error", e.what()}});
        return Response::error(500, "internal", "internal error");
    }
}

const Route* Router::match(const Request& request, std::map<std::string, std::string>& params, bool& path_matched) const {
    auto parts = split_path(request.path);
    for (const auto& route : routes_) {
        auto pattern = split_path(route.pattern);
        if (pattern.size() != parts.size()) continue;
        std::map<std::string, std::string> found;
        bool ok = true;
        for (std::size_t i = 0; i < parts.size() && ok; ++i) {
            if (pattern[i].starts_with('{')) {
                ok = valid_param(parts[i]);
                if (ok) found.emplace(std::string(pattern[i].substr(1, pattern[i].size() - 2)), std::string(parts[i]));
            } else {
                ok = pattern[i] == parts[i];
            }
        }
        if (!ok) continue;
        path_matched = true;
        if (route.method == request.method || (route.method == "GET" && request.method == "HEAD")) {
            params = std::move(found);
            return &route;
        }
    }
    return nullptr;
}

asio::awaitable<std::variant<Router::Authorized, Response>> Router::authorize(ServerState& state, const Request& request) const {
    std::map<std::string, std::string> params;
    bool path_matched = false;
    const Route* route = match(request, params, path_matched);
    if (!route) {
        if (path_matched) co_return Response::error(405, "method_not_allowed", request.method + " is not allowed on " + request.path);
        co_return Response::error(404, "not_found", "no such endpoint: " + request.path);
    }
    Authorized out{route, std::move(params), {}, Role::viewer};
    if (route->access == Access::public_) co_return out;
    auto principal = co_await authenticate(state, request);
    if (!principal) throw unauthenticated();
    out.principal = *principal;
    if (route->access == Access::server_admin && !principal->is_admin)
        throw forbidden("only installation administrators may do this");
    if (route->access == Access::team) {
        auto rows = co_await state.db->query("SELECT role FROM memberships WHERE team_id = $1 AND user_id = $2",
                                             db::params(out.params.at("team"), principal->user_id));
        // Not a member: the team does not exist as far as this caller can tell.
        if (rows.empty()) throw not_found("team");
        out.role = parse_role(rows.one().str(0)).value_or(Role::viewer);
    }
    // Walk the path parameters in order; each must live inside its parent.
    auto parts = split_path(route->pattern);
    for (auto part : parts) {
        if (!part.starts_with('{')) continue;
        std::string name(part.substr(1, part.size() - 2));
        auto r = resolvers().find(name);
        if (r == resolvers().end()) continue;
        db::Params query_params{out.params.at(name)};
        if (r->second.parent && std::string_view(r->second.parent) == "@user") query_params.emplace_back(principal->user_id);
        else if (r->second.parent) query_params.emplace_back(out.params.at(r->second.parent));
        auto rows = co_await state.db->query(r->second.sql, std::move(query_params));
        if (rows.empty()) throw not_found(r->second.what);
    }
    if (route->access == Access::team && out.role < route->min_role)
        throw forbidden("this needs the " + std::string(role_name(route->min_role)) + " role in the team (you are " +
                        std::string(role_name(out.role)) + ")");
    co_return out;
}

asio::awaitable<Response> Router::dispatch(ServerState& state, const Request& request) const {
    auto started = std::chrono::steady_clock::now();
    std::string route_label = "unmatched";
    Response response;
    try {
        auto auth = co_await authorize(state, request);
        if (auto* r = std::get_if<Response>(&auth)) {
            response = std::move(*r);
        } else {
            auto& a = std::get<Authorized>(auth);
            route_label = a.route->pattern;
            std::optional<Principal> principal;
            if (a.route->access != Access::public_) principal = a.principal;
            Context ctx{request, state, std::move(a.params), std::move(principal), a.role};
            std::optional<IdempotencyKey> key;
            if (a.route->idempotent_create && ctx.principal) key = idempotency_key(request, ctx.principal->user_id);
            ctx.idempotency = key ? &*key : nullptr;
            std::optional<Response> replay;
            if (key) replay = co_await stored_response(*state.db, state.secrets, *key);
            std::exception_ptr failure;
            if (!replay) {
                try {
                    response = co_await a.route->handler(ctx);
                } catch (...) {
                    failure = std::current_exception();
                }
            }
            // A concurrent request with the same key may have committed first
            // (this create then failed on the key or the name): answer as it did.
            if (failure && key) replay = co_await stored_response(*state.db, state.secrets, *key);
            if (replay) response = std::move(*replay);
            else if (failure) std::rethrow_exception(failure);
            else if (key && response.status / 100 == 2 && !key->remembered)
                throw std::logic_error(a.route->pattern + " did not store its Idempotency-Key in its transaction");
        }
    } catch (...) {
        response = error_response(std::current_exception());
    }
    double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    request_counter().with({request.method, route_label, std::to_string(response.status)}).inc();
    request_latency().with({request.method, route_label}).observe(seconds);
    co_return response;
}

}  // namespace sb::server
