#include "api/helpers.hpp"

#include <charconv>
#include <ctime>

namespace sb::server::api {

Page page_params(const Request& request, std::initializer_list<std::string_view> allowed_filters) {
    Page page;
    for (const auto& [key, value] : request.query) {
        if (key == "limit") {
            std::int64_t n = 0;
            auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
            if (ec != std::errc() || ptr != value.data() + value.size() || n < 1 || n > kMaxPageSize)
                throw invalid_field("limit", "limit must be an integer from 1 to " + std::to_string(kMaxPageSize));
            page.limit = n;
        } else if (key == "after") {
            if (value.size() > 64 || value.find_first_not_of("0123456789abcdef") != std::string::npos)
                throw invalid_field("after", "after must be a cursor returned as nextCursor");
            page.after = value;
        } else if (std::find(allowed_filters.begin(), allowed_filters.end(), key) == allowed_filters.end()) {
            throw ApiError(400, "unknown_field", "unknown query parameter " + key, key);
        }
    }
    return page;
}

std::string query_value(const Request& request, const std::string& name) {
    auto it = request.query.find(name);
    if (it == request.query.end()) return "";
    return it->second;
}

json::object page_result(json::array items, const Page& page) {
    json::value next = nullptr;
    if (static_cast<std::int64_t>(items.size()) > page.limit) {
        items.resize(static_cast<std::size_t>(page.limit));
        next = items.back().as_object().at("id");
    }
    return {{"items", std::move(items)}, {"nextCursor", std::move(next)}};
}

asio::awaitable<Response> list_team_rows(Context& ctx, std::string select, json::object (*to_json)(const db::Row&)) {
    auto page = page_params(ctx.request, {"name"});
    std::string name = query_value(ctx.request, "name");
    auto rows = co_await ctx.state.db->query(
        select + "WHERE team_id = $1 AND id > $2 AND (CAST($3 AS TEXT) = '' OR name = $3) ORDER BY id LIMIT $4",
        db::params(ctx.param("team"), page.after, name, page.limit + 1));
    json::array items;
    for (const auto& r : rows.rows) items.push_back(to_json(r));
    co_return Response::json(200, page_result(std::move(items), page));
}

std::optional<std::int64_t> if_match(const Request& request) {
    auto header = request.header("if-match");
    if (!header) return std::nullopt;
    std::string_view v = *header;
    if (v.starts_with("W/")) v.remove_prefix(2);
    if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
    std::int64_t n = 0;
    auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
    if (ec != std::errc() || ptr != v.data() + v.size()) throw invalid_field("If-Match", "If-Match must be an ETag returned by this API");
    return n;
}

void check_if_match(const Request& request, std::int64_t current_version) {
    if (auto expected = if_match(request); expected && *expected != current_version) throw precondition_failed();
}

std::string etag(std::int64_t version) { return "\"" + std::to_string(version) + "\""; }

Response with_etag(Response response, std::int64_t version) {
    response.with_header("ETag", etag(version));
    return response;
}

asio::awaitable<void> audit(db::Session& s, std::string team_id, const Context& ctx, std::string action,
                            std::string target_type, std::string target_id) {
    std::string actor;
    if (ctx.principal) actor = ctx.principal->user_id;
    co_await s.query(
        "INSERT INTO audit_log (id, team_id, actor_id, action, target_type, target_id, at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        db::params(crypto::new_id(), db::nullable_text(team_id),
         db::nullable_text(actor), action, target_type, target_id,
         crypto::now_ms()));
}

asio::awaitable<void> record_usage(db::Session& s, std::string team_id, std::string kind, std::int64_t quantity,
                                   std::string subject_id) {
    co_await s.query(
        "INSERT INTO usage_records (id, team_id, kind, quantity, subject_id, recorded_at) VALUES ($1, $2, $3, $4, $5, $6)",
        db::params(crypto::new_id(), team_id, kind, quantity, subject_id, crypto::now_ms()));
}

json::value timestamp(std::optional<std::int64_t> ms) {
    if (!ms) return nullptr;
    std::time_t secs = static_cast<std::time_t>(*ms / 1000);
    std::tm tm{};
    gmtime_r(&secs, &tm);
    char buf[32];
    std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
    char out[40];
    std::snprintf(out, sizeof(out), "%s.%03dZ", buf, static_cast<int>(*ms % 1000));
    return json::string(out);
}

Router make_router() {
    Router router;
    add_system_routes(router);
    add_auth_routes(router);
    add_team_routes(router);
    add_cluster_routes(router);
    add_project_routes(router);
    add_app_routes(router);
    add_build_routes(router);
    add_service_routes(router);
    return router;
}

}  // namespace sb::server::api
