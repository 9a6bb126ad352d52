#include "server/api/helpers.hpp"

namespace sb::server::api {

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
