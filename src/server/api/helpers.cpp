#include "server/api/helpers.hpp"

#include "server/store/audit_store.hpp"
#include "server/store/usage_store.hpp"

namespace sb::server::api {

asio::awaitable<Response> created(db::Session& s, Context& ctx, Response response) {
    if (ctx.idempotency) {
        co_await remember_response(s, ctx.state.secrets, *ctx.idempotency, response);
        ctx.idempotency->remembered = true;
    }
    co_return response;
}

asio::awaitable<void> audit(db::Session& s, std::string team_id, const Context& ctx, std::string action,
                            std::string target_type, std::string target_id) {
    std::string actor;
    if (ctx.principal) actor = ctx.principal->user_id;
    co_await store::AuditStore(s).append(std::move(team_id), std::move(actor), std::move(action), std::move(target_type),
                                         std::move(target_id));
}

asio::awaitable<void> record_usage(db::Session& s, std::string team_id, std::string kind, std::int64_t quantity,
                                   std::string subject_id) {
    co_await store::UsageStore(s).append(std::move(team_id), std::move(kind), quantity, std::move(subject_id));
}

asio::awaitable<Response> websocket_required(Context&) {
    throw ApiError(400, "websocket_required", "this endpoint speaks WebSocket; send an Upgrade request");
    co_return Response{};
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
    add_source_routes(router);
    add_log_routes(router);
    add_service_routes(router);
    add_webhook_routes(router);
    add_lifecycle_routes(router);
    return router;
}

}  // namespace sb::server::api
