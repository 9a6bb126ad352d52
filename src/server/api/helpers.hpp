#pragma once
// Small pieces shared by the route handlers: pagination, ETag preconditions,
// audit and usage records.
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include "core/api_error.hpp"
#include "core/crypto.hpp"
#include "core/json_input.hpp"
#include "core/state.hpp"
#include "http/router.hpp"

namespace sb::server::api {

namespace asio = boost::asio;
namespace json = boost::json;

struct Page {
    std::int64_t limit = 50;
    std::string after;  // exclusive cursor: the last id of the previous page
};
constexpr std::int64_t kMaxPageSize = 200;

// The query parameter's value, "" when absent.
std::string query_value(const Request& request, const std::string& name);
// Reads ?limit= and ?after=; refuses unknown query parameters except `allowed_filters`.
Page page_params(const Request& request, std::initializer_list<std::string_view> allowed_filters = {});
// {"items": [...], "nextCursor": id|null}; `rows` holds up to limit+1 items.
json::object page_result(json::array items, const Page& page);
// GET of a team's collection: `select` ("SELECT ... FROM table ") filtered by
// the team in the path and an optional ?name=, paged by id.
asio::awaitable<Response> list_team_rows(Context& ctx, std::string select, json::object (*to_json)(const db::Row&));

// If-Match: "<version>" (quotes optional). Missing means unconditional.
std::optional<std::int64_t> if_match(const Request& request);
void check_if_match(const Request& request, std::int64_t current_version);
std::string etag(std::int64_t version);
Response with_etag(Response response, std::int64_t version);

asio::awaitable<void> audit(db::Session& s, std::string team_id, const Context& ctx, std::string action,
                            std::string target_type, std::string target_id);
asio::awaitable<void> record_usage(db::Session& s, std::string team_id, std::string kind, std::int64_t quantity,
                                   std::string subject_id);

// Coroutines take strings by value: GCC 12 may destroy a temporary bound to a
// reference parameter before the coroutine has used it.

// Millisecond timestamps as RFC 3339 strings in responses.
json::value timestamp(std::optional<std::int64_t> ms);

void add_system_routes(Router& router);
void add_auth_routes(Router& router);
void add_team_routes(Router& router);
void add_cluster_routes(Router& router);
void add_project_routes(Router& router);
void add_app_routes(Router& router);
void add_build_routes(Router& router);
void add_service_routes(Router& router);

// The whole API.
Router make_router();

}  // namespace sb::server::api
