#include "server/http/router.hpp"

#include <boost/json/serialize.hpp>

#include "common/log.hpp"
#include "common/metrics.hpp"
#include "server/core/api_error.hpp"
#include "server/auth/authorize.hpp"
#include "server/core/crypto.hpp"
#include "server/core/idempotency.hpp"
#include "server/core/state.hpp"

namespace sb::server {
namespace asio = boost::asio;
namespace json = boost::json;

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
// name an object, so it never reaches a query. A {host} (an app's domain) is
// a host name: dots and a leading wildcard too.
bool valid_param(std::string_view name, std::string_view v) {
    const bool host = name == "{host}";
    if (v.empty() || v.size() > (host ? 253u : 128u)) return false;
    for (char c : v)
        if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || (host && (c == '.' || c == '*'))))
            return false;
    return true;
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

}  // namespace

void Router::add(Route route) {
    std::vector<std::string> segments;
    std::vector<std::string> names;
    for (auto part : split_path(route.pattern)) {
        segments.emplace_back(part);
        if (part.starts_with('{')) names.emplace_back(part.substr(1, part.size() - 2));
    }
    segments_.push_back(std::move(segments));
    param_names_.push_back(std::move(names));
    routes_.push_back(std::move(route));
}

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
    for (std::size_t r = 0; r < routes_.size(); ++r) {
        const auto& route = routes_[r];
        const auto& pattern = segments_[r];
        if (pattern.size() != parts.size()) continue;
        bool ok = true;
        for (std::size_t i = 0; i < parts.size() && ok; ++i)
            ok = pattern[i].starts_with('{') ? valid_param(pattern[i], parts[i]) : pattern[i] == parts[i];
        if (!ok) continue;
        path_matched = true;
        if (route.method == request.method || (route.method == "GET" && request.method == "HEAD")) {
            for (std::size_t i = 0; i < parts.size(); ++i)
                if (pattern[i].starts_with('{'))
                    params.emplace(pattern[i].substr(1, pattern[i].size() - 2), std::string(parts[i]));
            return &route;
        }
    }
    return nullptr;
}

bool Router::streams_body(const Request& request) const {
    std::map<std::string, std::string> params;
    bool path_matched = false;
    const Route* route = match(request, params, path_matched);
    return route && route->streams_body;
}

asio::awaitable<std::variant<Router::Authorized, Response>> Router::authorize(ServerState& state, const Request& request) const {
    std::map<std::string, std::string> params;
    bool path_matched = false;
    const Route* route = match(request, params, path_matched);
    if (!route) {
        if (path_matched) co_return Response::error(405, "method_not_allowed", request.method + " is not allowed on " + request.path);
        co_return Response::error(404, "not_found", "no such endpoint: " + request.path);
    }
    auto index = static_cast<std::size_t>(route - routes_.data());
    auto auth = co_await sb::server::authorize(state, request, route->access, route->min_role, param_names_[index], params);
    if (!auth.cluster_id.empty()) params["cluster"] = auth.cluster_id;
    std::optional<Principal> principal;
    if (route->access == Access::authenticated || route->access == Access::server_admin || route->access == Access::team)
        principal = std::move(auth.principal);
    co_return Authorized{route, WebSocketSession{std::move(params), std::move(principal), auth.role}};
}

asio::awaitable<Response> Router::dispatch(ServerState& state, const Request& request) const {
    auto started = std::chrono::steady_clock::now();
    std::string route_label = "unmatched";
    Response response;
    if (fallback_ && (request.method == "GET" || request.method == "HEAD")) {
        std::map<std::string, std::string> unused;
        bool path_matched = false;
        if (!match(request, unused, path_matched) && !path_matched) {
            if (auto page = fallback_(request)) {
                request_counter().with({request.method, "ui", std::to_string(page->status)}).inc();
                co_return std::move(*page);
            }
        }
    }
    try {
        auto auth = co_await authorize(state, request);
        if (auto* r = std::get_if<Response>(&auth)) {
            response = std::move(*r);
        } else {
            auto& a = std::get<Authorized>(auth);
            route_label = a.route->pattern;
            Context ctx{request, state, std::move(a.session.params), std::move(a.session.principal), a.session.role};
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
