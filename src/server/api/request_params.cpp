#include "server/api/request_params.hpp"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <ctime>

#include "server/core/api_error.hpp"
#include "common/rfc3339.hpp"

namespace sb::server::api {
namespace json = boost::json;

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

json::value timestamp(std::optional<std::int64_t> ms) {
    if (!ms) return nullptr;
    // Milliseconds: "2026-12-03T09:30:13.123Z".
    auto text = sb::format_rfc3339(sb::Clock::time_point(std::chrono::seconds(*ms / 1000)));
    char fraction[8];
    std::snprintf(fraction, sizeof(fraction), ".%03d", static_cast<int>(*ms % 1000));
    text.insert(text.size() - 1, fraction);
    return json::string(text);
}

}  // namespace sb::server::api
