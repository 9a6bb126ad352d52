#pragma once
// The pieces of a request a handler reads besides its body: pagination
// (?limit=, ?after=), filters, If-Match preconditions, ETags and timestamps.
// No I/O here, so the fuzz targets link it without the database.
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

#include "server/http/message.hpp"

namespace sb::server::api {

struct Page {
    std::int64_t limit = 50;
    std::string after;  // exclusive cursor: the last id of the previous page
};
constexpr std::int64_t kMaxPageSize = 200;

// The query parameter's value, "" when absent.
std::string query_value(const Request& request, const std::string& name);
// Reads ?limit= and ?after=; refuses unknown query parameters except `allowed_filters`.
Page page_params(const Request& request, std::initializer_list<std::string_view> allowed_filters = {});
// {"items": [...], "nextCursor": id|null}; `items` holds up to limit+1 items.
boost::json::object page_result(boost::json::array items, const Page& page);

// If-Match: "<version>" (quotes optional). Missing means unconditional.
std::optional<std::int64_t> if_match(const Request& request);
void check_if_match(const Request& request, std::int64_t current_version);
std::string etag(std::int64_t version);
Response with_etag(Response response, std::int64_t version);

// Millisecond timestamps as RFC 3339 strings in responses.
boost::json::value timestamp(std::optional<std::int64_t> ms);

}  // namespace sb::server::api
