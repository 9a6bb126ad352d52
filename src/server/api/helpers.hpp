#pragma once
// Small pieces shared by the route handlers: team collections, audit and
// usage records (pagination and ETags are in request_params.hpp).
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include "server/api/request_params.hpp"
#include "server/core/api_error.hpp"
#include "server/core/crypto.hpp"
#include "server/core/idempotency.hpp"
#include "server/core/json_input.hpp"
#include "server/core/state.hpp"
#include "server/http/router.hpp"
#include "server/store/querier.hpp"

namespace sb::server::api {

namespace asio = boost::asio;
namespace json = boost::json;

// A page of a collection: the store reads one row more than the page holds,
// which tells page_result whether another page follows.
inline store::PageQuery page_query(const Page& page) { return {page.after, page.limit + 1}; }
template <typename Row, typename ToJson>
json::array json_items(const std::vector<Row>& rows, ToJson to_json) {
    json::array items;
    items.reserve(rows.size());
    for (const auto& r : rows) items.push_back(to_json(r));
    return items;
}

// The last step of a create's transaction: stores the response under the
// request's Idempotency-Key, when it has one, so the key commits with the object.
// Pass a named Response: GCC 12 mishandles temporaries inside co_await.
asio::awaitable<Response> created(db::Session& s, Context& ctx, Response response);

// The plain-HTTP answer of a WebSocket route: 400 websocket_required.
asio::awaitable<Response> websocket_required(Context& ctx);

asio::awaitable<void> audit(db::Session& s, std::string team_id, const Context& ctx, std::string action,
                            std::string target_type, std::string target_id);
asio::awaitable<void> record_usage(db::Session& s, std::string team_id, std::string kind, std::int64_t quantity,
                                   std::string subject_id);

// Coroutines take strings by value: GCC 12 may destroy a temporary bound to a
// reference parameter before the coroutine has used it.

void add_system_routes(Router& router);
void add_auth_routes(Router& router);
void add_team_routes(Router& router);
void add_cluster_routes(Router& router);
void add_project_routes(Router& router);
void add_app_routes(Router& router);
void add_build_routes(Router& router);
void add_source_routes(Router& router);
void add_service_routes(Router& router);
void add_webhook_routes(Router& router);
void add_log_routes(Router& router);
void add_lifecycle_routes(Router& router);

// The whole API.
Router make_router();

}  // namespace sb::server::api
