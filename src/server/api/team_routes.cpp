// Teams, members and roles, and the team's usage and audit records.
#include "server/api/helpers.hpp"

namespace sb::server::api {

namespace {

json::object team_json(const db::Row& r, std::optional<std::string> my_role = std::nullopt) {
    // id, name, display_name, created_at, updated_at, version
    json::object o{{"id", r.str(0)}, {"name", r.str(1)}, {"displayName", r.str(2)}, {"createdAt", timestamp(r.i64(3))},
                   {"updatedAt", timestamp(r.i64(4))}, {"version", r.i64(5)}};
    if (my_role) o["role"] = *my_role;
    return o;
}

Role read_role(BodyReader& body) {
    auto text = body.required_string("role", {.max_length = 20});
    auto role = parse_role(text);
    if (!role) throw invalid_field("role", "role must be one of owner, admin, developer, viewer");
    return *role;
}

asio::awaitable<Response> list_teams(Context& ctx) {
    auto page = page_params(ctx.request);
    auto rows = co_await ctx.state.db->query(
        "SELECT t.id, t.name, t.display_name, t.created_at, t.updated_at, t.version, m.role FROM teams t "
        "JOIN memberships m ON m.team_id = t.id WHERE m.user_id = $1 AND t.id > $2 ORDER BY t.id LIMIT $3",
        db::params(ctx.user().user_id, page.after, page.limit + 1));
    json::array items;
    for (const auto& r : rows.rows) items.push_back(team_json(r, r.str(6)));
    co_return Response::json(200, page_result(std::move(items), page));
}

asio::awaitable<Response> create_team(Context& ctx) {
    auto body = BodyReader::parse(ctx.request.body);
    auto name = body.required_string("name", {.max_length = 63});
    auto display = body.string("displayName", {.max_length = 200}).value_or(name);
    body.finish();
    validate_name("name", name);
    if (ctx.state.licence.edition != Edition::multi_tenant) {
        auto teams = co_await ctx.state.db->query("SELECT COUNT(*) FROM teams");
        if (teams.one().i64(0) >= 1)
            throw licence_limit("the single-tenant edition has one team; a multi-tenant licence allows more");
    }
    auto id = crypto::new_id();
    auto now = crypto::now_ms();
    Response response;
    co_await ctx.state.db->transact([&](db::Session& s) -> asio::awaitable<void> {
        co_await s.query("INSERT INTO teams (id, name, display_name, created_at, updated_at) VALUES ($1, $2, $3, $4, $4)",
                         db::params(id, name, display, now));
        co_await s.query("INSERT INTO memberships (team_id, user_id, role, created_at) VALUES ($1, $2, 'owner', $3)",
                         db::params(id, ctx.user().user_id, now));
        co_await audit(s, id, ctx, "team.create", "team", id);
        auto rows = co_await s.query("SELECT id, name, display_name, created_at, updated_at, version FROM teams WHERE id = $1", db::params(id));
        auto made = with_etag(Response::json(201, team_json(rows.one(), "owner")), 1);
        response = co_await created(s, ctx, std::move(made));
    });
    co_return response;
}

asio::awaitable<db::Result> load_team(Context& ctx) {
    co_return co_await ctx.state.db->query("SELECT id, name, display_name, created_at, updated_at, version FROM teams WHERE id = $1",
                                           db::params(ctx.param("team")));
}

asio::awaitable<Response> get_team(Context& ctx) {
    auto rows = co_await load_team(ctx);
    co_return with_etag(Response::json(200, team_json(rows.one(), std::string(role_name(ctx.role)))), rows.one().i64(5));
}

asio::awaitable<Response> update_team(Context& ctx) {
    auto body = BodyReader::parse(ctx.request.body);
    auto display = body.string("displayName", {.max_length = 200});
    body.finish();
    auto rows = co_await load_team(ctx);
    auto version = rows.one().i64(5);
    check_if_match(ctx.request, version);
    co_await ctx.state.db->transact([&](db::Session& s) -> asio::awaitable<void> {
        auto r = co_await s.query("UPDATE teams SET display_name = $1, updated_at = $2, version = version + 1 WHERE id = $3 AND version = $4",
                                  db::params(display.value_or(rows.one().str(2)), crypto::now_ms(), ctx.param("team"), version));
        if (r.affected == 0) throw precondition_failed();
        co_await audit(s, ctx.param("team"), ctx, "team.update", "team", ctx.param("team"));
    });
    rows = co_await load_team(ctx);
    co_return with_etag(Response::json(200, team_json(rows.one(), std::string(role_name(ctx.role)))), rows.one().i64(5));
}

asio::awaitable<Response> delete_team(Context& ctx) {
    auto rows = co_await load_team(ctx);
    check_if_match(ctx.request, rows.one().i64(5));
    co_await ctx.state.db->transact([&](db::Session& s) -> asio::awaitable<void> {
        co_await s.query("DELETE FROM teams WHERE id = $1", db::params(ctx.param("team")));
        co_await audit(s, "", ctx, "team.delete", "team", ctx.param("team"));
    });
    co_return Response::no_content();
}

json::object member_json(const db::Row& r) {
    // user_id, email, name, role, created_at
    return {{"userId", r.str(0)}, {"email", r.str(1)}, {"name", r.str(2)}, {"role", r.str(3)}, {"since", timestamp(r.i64(4))}};
}

constexpr const char* kMemberSelect =
    "SELECT u.id, u.email, u.name, m.role, m.created_at FROM memberships m JOIN users u ON u.id = m.user_id ";

asio::awaitable<Response> list_members(Context& ctx) {
    auto page = page_params(ctx.request);
    auto rows = co_await ctx.state.db->query(std::string(kMemberSelect) + "WHERE m.team_id = $1 AND u.id > $2 ORDER BY u.id LIMIT $3",
                                             db::params(ctx.param("team"), page.after, page.limit + 1));
    json::array items;
    for (const auto& r : rows.rows) {
        auto m = member_json(r);
        m["id"] = m["userId"];
        items.push_back(std::move(m));
    }
    co_return Response::json(200, page_result(std::move(items), page));
}

void check_may_grant(const Context& ctx, Role role) {
    if (role == Role::owner && ctx.role != Role::owner) throw forbidden("only owners can make someone an owner");
}

asio::awaitable<Response> add_member(Context& ctx) {
    auto body = BodyReader::parse(ctx.request.body);
    auto email = body.required_string("email", {.max_length = 254});
    auto role = read_role(body);
    body.finish();
    check_may_grant(ctx, role);
    auto user = co_await ctx.state.db->query("SELECT id FROM users WHERE email = $1", db::params(email));
    if (user.empty()) throw ApiError(400, "invalid_field", "no user has this e-mail; an administrator creates users first", "email");
    auto user_id = user.one().str(0);
    co_await ctx.state.db->transact([&](db::Session& s) -> asio::awaitable<void> {
        auto existing = co_await s.query("SELECT 1 FROM memberships WHERE team_id = $1 AND user_id = $2", db::params(ctx.param("team"), user_id));
        if (!existing.empty()) throw conflict("this user is already a member", "email");
        co_await s.query("INSERT INTO memberships (team_id, user_id, role, created_at) VALUES ($1, $2, $3, $4)",
                         db::params(ctx.param("team"), user_id, std::string(role_name(role)), crypto::now_ms()));
        co_await audit(s, ctx.param("team"), ctx, "member.add", "user", user_id);
    });
    auto rows = co_await ctx.state.db->query(std::string(kMemberSelect) + "WHERE m.team_id = $1 AND u.id = $2", db::params(ctx.param("team"), user_id));
    co_return Response::json(201, member_json(rows.one()));
}

// Keeps at least one owner in every team.
asio::awaitable<void> check_not_last_owner(db::Session& s, std::string team, std::string user) {
    auto owners = co_await s.query("SELECT user_id FROM memberships WHERE team_id = $1 AND role = 'owner'", db::params(team));
    if (owners.rows.size() == 1 && owners.one().str(0) == user)
        throw ApiError(409, "last_owner", "a team needs at least one owner; make someone else owner first");
}

asio::awaitable<Response> update_member(Context& ctx) {
    auto body = BodyReader::parse(ctx.request.body);
    auto role = read_role(body);
    body.finish();
    check_may_grant(ctx, role);
    auto current = co_await ctx.state.db->query("SELECT role FROM memberships WHERE team_id = $1 AND user_id = $2",
                                                db::params(ctx.param("team"), ctx.param("member")));
    if (current.one().str(0) == "owner" && ctx.role != Role::owner) throw forbidden("only owners can change an owner's role");
    co_await ctx.state.db->transact([&](db::Session& s) -> asio::awaitable<void> {
        if (role != Role::owner) co_await check_not_last_owner(s, ctx.param("team"), ctx.param("member"));
        co_await s.query("UPDATE memberships SET role = $1 WHERE team_id = $2 AND user_id = $3",
                         db::params(std::string(role_name(role)), ctx.param("team"), ctx.param("member")));
        co_await audit(s, ctx.param("team"), ctx, "member.update", "user", ctx.param("member"));
    });
    auto rows = co_await ctx.state.db->query(std::string(kMemberSelect) + "WHERE m.team_id = $1 AND u.id = $2",
                                             db::params(ctx.param("team"), ctx.param("member")));
    co_return Response::json(200, member_json(rows.one()));
}

asio::awaitable<Response> remove_member(Context& ctx) {
    auto current = co_await ctx.state.db->query("SELECT role FROM memberships WHERE team_id = $1 AND user_id = $2",
                                                db::params(ctx.param("team"), ctx.param("member")));
    if (current.one().str(0) == "owner" && ctx.role != Role::owner) throw forbidden("only owners can remove an owner");
    co_await ctx.state.db->transact([&](db::Session& s) -> asio::awaitable<void> {
        co_await check_not_last_owner(s, ctx.param("team"), ctx.param("member"));
        co_await s.query("DELETE FROM memberships WHERE team_id = $1 AND user_id = $2", db::params(ctx.param("team"), ctx.param("member")));
        co_await audit(s, ctx.param("team"), ctx, "member.remove", "user", ctx.param("member"));
    });
    co_return Response::no_content();
}

asio::awaitable<Response> usage(Context& ctx) {
    auto page = page_params(ctx.request, {"kind"});
    std::string kind = query_value(ctx.request, "kind");
    if (!kind.empty() && kind != "apps" && kind != "clusters" && kind != "build_minutes")
        throw invalid_field("kind", "kind must be apps, clusters or build_minutes");
    auto totals = co_await ctx.state.db->query(
        "SELECT kind, SUM(quantity) FROM usage_records WHERE team_id = $1 GROUP BY kind ORDER BY kind", db::params(ctx.param("team")));
    auto rows = co_await ctx.state.db->query(
        "SELECT id, kind, quantity, subject_id, recorded_at FROM usage_records WHERE team_id = $1 AND id > $2 "
        "AND (CAST($3 AS TEXT) = '' OR kind = $3) ORDER BY id LIMIT $4",
        db::params(ctx.param("team"), page.after, kind, page.limit + 1));
    json::object sums{{"apps", 0}, {"clusters", 0}, {"build_minutes", 0}};
    for (const auto& r : totals.rows) sums[r.str(0)] = r.i64(1);
    json::array items;
    for (const auto& r : rows.rows)
        items.push_back(json::object{{"id", r.str(0)}, {"kind", r.str(1)}, {"quantity", r.i64(2)}, {"subjectId", r.str(3)},
                                     {"recordedAt", timestamp(r.i64(4))}});
    auto out = page_result(std::move(items), page);
    out["totals"] = std::move(sums);
    co_return Response::json(200, out);
}

asio::awaitable<Response> audit_log(Context& ctx) {
    auto page = page_params(ctx.request);
    auto rows = co_await ctx.state.db->query(
        "SELECT a.id, a.actor_id, u.email, a.action, a.target_type, a.target_id, a.at FROM audit_log a "
        "LEFT JOIN users u ON u.id = a.actor_id WHERE a.team_id = $1 AND a.id > $2 ORDER BY a.id LIMIT $3",
        db::params(ctx.param("team"), page.after, page.limit + 1));
    json::array items;
    for (const auto& r : rows.rows)
        items.push_back(json::object{{"id", r.str(0)}, {"actorId", r.opt_str(1) ? json::value(*r.opt_str(1)) : nullptr},
                                     {"actorEmail", r.opt_str(2) ? json::value(*r.opt_str(2)) : nullptr},
                                     {"action", r.str(3)}, {"targetType", r.str(4)}, {"targetId", r.str(5)},
                                     {"at", timestamp(r.i64(6))}});
    co_return Response::json(200, page_result(std::move(items), page));
}

asio::awaitable<Response> events_without_upgrade(Context&) {
    throw ApiError(400, "websocket_required", "this endpoint speaks WebSocket; send an Upgrade request");
    co_return Response{};
}

}  // namespace

void add_team_routes(Router& r) {
    r.add({"GET", "/api/v1/teams", Access::authenticated, Role::viewer, "List my teams", "teams", list_teams});
    r.add({"POST", "/api/v1/teams", Access::authenticated, Role::viewer, "Create a team (multi-tenant edition)", "teams", create_team, 201, true, false, true});
    r.add({"GET", "/api/v1/teams/{team}", Access::team, Role::viewer, "Show a team", "teams", get_team});
    r.add({"PATCH", "/api/v1/teams/{team}", Access::team, Role::admin, "Update a team", "teams", update_team, 200, true});
    r.add({"DELETE", "/api/v1/teams/{team}", Access::team, Role::owner, "Delete a team and everything in it", "teams", delete_team, 204});
    r.add({"GET", "/api/v1/teams/{team}/members", Access::team, Role::viewer, "List members", "teams", list_members});
    r.add({"POST", "/api/v1/teams/{team}/members", Access::team, Role::admin, "Add a member", "teams", add_member, 201, true});
    r.add({"PATCH", "/api/v1/teams/{team}/members/{member}", Access::team, Role::admin, "Change a member's role", "teams", update_member, 200, true});
    r.add({"DELETE", "/api/v1/teams/{team}/members/{member}", Access::team, Role::admin, "Remove a member", "teams", remove_member, 204});
    r.add({"GET", "/api/v1/teams/{team}/usage", Access::team, Role::admin, "List usage records and totals", "usage", usage});
    r.add({"GET", "/api/v1/teams/{team}/audit", Access::team, Role::admin, "List the audit log", "audit", audit_log});
    r.add({"GET", "/api/v1/teams/{team}/events", Access::team, Role::viewer,
           "WebSocket: subscribe to project/app/build events", "events", events_without_upgrade, 101, false, true});
}

}  // namespace sb::server::api
