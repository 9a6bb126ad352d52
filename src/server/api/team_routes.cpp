// Teams, members and roles, and the team's usage and audit records.
#include "server/api/event_subscription.hpp"
#include "server/api/helpers.hpp"
#include "server/store/audit_store.hpp"
#include "server/store/member_store.hpp"
#include "server/store/team_store.hpp"
#include "server/store/usage_store.hpp"
#include "server/store/user_store.hpp"

namespace sb::server::api {

namespace {

json::object team_json(const store::Team& t, std::optional<std::string> my_role = std::nullopt) {
    json::object o{{"id", t.id}, {"name", t.name}, {"displayName", t.display_name}, {"createdAt", timestamp(t.created_at)},
                   {"updatedAt", timestamp(t.updated_at)}, {"version", t.version}};
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
    auto teams = co_await store::TeamStore(*ctx.state.db).list_for_user(ctx.user().user_id, page_query(page));
    auto items = json_items(teams, [](const store::TeamWithRole& t) { return team_json(t.team, t.role); });
    co_return Response::json(200, page_result(std::move(items), page));
}

asio::awaitable<Response> create_team(Context& ctx) {
    auto body = BodyReader::parse(ctx.request.body);
    auto name = body.required_string("name", {.max_length = 63});
    auto display = body.string("displayName", {.max_length = 200}).value_or(name);
    body.finish();
    validate_name("name", name);
    if (ctx.state.licence.edition != Edition::multi_tenant) {
        auto teams = co_await store::TeamStore(*ctx.state.db).count();
        if (teams >= 1)
            throw licence_limit("the single-tenant edition has one team; a multi-tenant licence allows more");
    }
    auto id = crypto::new_id();
    auto now = crypto::now_ms();
    Response response;
    co_await ctx.state.db->transact([&](db::Session& s) -> asio::awaitable<void> {
        store::TeamStore teams(s);
        co_await teams.insert(id, name, display, now);
        co_await store::MemberStore(s).insert(id, ctx.user().user_id, "owner", now);
        co_await audit(s, id, ctx, "team.create", "team", id);
        auto team = co_await teams.find(id);
        auto made = with_etag(Response::json(201, team_json(*team, "owner")), 1);
        response = co_await created(s, ctx, std::move(made));
    });
    co_return response;
}

// The router checked that the caller is a member, so the team exists.
asio::awaitable<store::Team> load_team(Context& ctx) {
    auto team = co_await store::TeamStore(*ctx.state.db).find(ctx.param("team"));
    if (!team) throw not_found("team");
    co_return std::move(*team);
}

asio::awaitable<Response> get_team(Context& ctx) {
    auto team = co_await load_team(ctx);
    co_return with_etag(Response::json(200, team_json(team, std::string(role_name(ctx.role)))), team.version);
}

asio::awaitable<Response> update_team(Context& ctx) {
    auto body = BodyReader::parse(ctx.request.body);
    auto display = body.string("displayName", {.max_length = 200});
    body.finish();
    auto team = co_await load_team(ctx);
    auto version = team.version;
    check_if_match(ctx.request, version);
    co_await ctx.state.db->transact([&](db::Session& s) -> asio::awaitable<void> {
        bool updated = co_await store::TeamStore(s).update_display_name(ctx.param("team"), display.value_or(team.display_name),
                                                                        crypto::now_ms(), version);
        if (!updated) throw precondition_failed();
        co_await audit(s, ctx.param("team"), ctx, "team.update", "team", ctx.param("team"));
    });
    team = co_await load_team(ctx);
    co_return with_etag(Response::json(200, team_json(team, std::string(role_name(ctx.role)))), team.version);
}

asio::awaitable<Response> delete_team(Context& ctx) {
    auto team = co_await load_team(ctx);
    check_if_match(ctx.request, team.version);
    co_await ctx.state.db->transact([&](db::Session& s) -> asio::awaitable<void> {
        co_await store::TeamStore(s).remove(ctx.param("team"));
        co_await audit(s, "", ctx, "team.delete", "team", ctx.param("team"));
    });
    co_return Response::no_content();
}

json::object member_json(const store::Member& m) {
    return {{"userId", m.user_id}, {"email", m.email}, {"name", m.name}, {"role", m.role}, {"since", timestamp(m.since)}};
}

asio::awaitable<Response> list_members(Context& ctx) {
    auto page = page_params(ctx.request);
    auto members = co_await store::MemberStore(*ctx.state.db).list(ctx.param("team"), page_query(page));
    auto items = json_items(members, [](const store::Member& member) {
        auto m = member_json(member);
        m["id"] = m["userId"];
        return m;
    });
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
    auto found = co_await store::UserStore(*ctx.state.db).id_by_email(email);
    if (!found) throw ApiError(400, "invalid_field", "no user has this e-mail; an administrator creates users first", "email");
    auto user_id = *found;
    co_await ctx.state.db->transact([&](db::Session& s) -> asio::awaitable<void> {
        store::MemberStore members(s);
        bool member = co_await members.exists(ctx.param("team"), user_id);
        if (member) throw conflict("this user is already a member", "email");
        co_await members.insert(ctx.param("team"), user_id, std::string(role_name(role)), crypto::now_ms());
        co_await audit(s, ctx.param("team"), ctx, "member.add", "user", user_id);
    });
    auto member = co_await store::MemberStore(*ctx.state.db).find(ctx.param("team"), user_id);
    if (!member) throw not_found("member");
    co_return Response::json(201, member_json(*member));
}

// Keeps at least one owner in every team.
asio::awaitable<void> check_not_last_owner(db::Session& s, std::string team, std::string user) {
    auto owners = co_await store::MemberStore(s).owner_ids(team);
    if (owners.size() == 1 && owners.front() == user)
        throw ApiError(409, "last_owner", "a team needs at least one owner; make someone else owner first");
}

asio::awaitable<Response> update_member(Context& ctx) {
    auto body = BodyReader::parse(ctx.request.body);
    auto role = read_role(body);
    body.finish();
    check_may_grant(ctx, role);
    auto current = co_await store::MemberStore(*ctx.state.db).role(ctx.param("team"), ctx.param("member"));
    if (!current) throw not_found("member");
    if (*current == "owner" && ctx.role != Role::owner) throw forbidden("only owners can change an owner's role");
    co_await ctx.state.db->transact([&](db::Session& s) -> asio::awaitable<void> {
        if (role != Role::owner) co_await check_not_last_owner(s, ctx.param("team"), ctx.param("member"));
        co_await store::MemberStore(s).set_role(ctx.param("team"), ctx.param("member"), std::string(role_name(role)));
        co_await audit(s, ctx.param("team"), ctx, "member.update", "user", ctx.param("member"));
    });
    auto member = co_await store::MemberStore(*ctx.state.db).find(ctx.param("team"), ctx.param("member"));
    if (!member) throw not_found("member");
    co_return Response::json(200, member_json(*member));
}

asio::awaitable<Response> remove_member(Context& ctx) {
    auto current = co_await store::MemberStore(*ctx.state.db).role(ctx.param("team"), ctx.param("member"));
    if (!current) throw not_found("member");
    if (*current == "owner" && ctx.role != Role::owner) throw forbidden("only owners can remove an owner");
    co_await ctx.state.db->transact([&](db::Session& s) -> asio::awaitable<void> {
        co_await check_not_last_owner(s, ctx.param("team"), ctx.param("member"));
        co_await store::MemberStore(s).remove(ctx.param("team"), ctx.param("member"));
        co_await audit(s, ctx.param("team"), ctx, "member.remove", "user", ctx.param("member"));
    });
    co_return Response::no_content();
}

asio::awaitable<Response> usage(Context& ctx) {
    auto page = page_params(ctx.request, {"kind"});
    std::string kind = query_value(ctx.request, "kind");
    if (!kind.empty() && kind != "apps" && kind != "clusters" && kind != "build_minutes")
        throw invalid_field("kind", "kind must be apps, clusters or build_minutes");
    store::UsageStore usage(*ctx.state.db);
    auto totals = co_await usage.totals(ctx.param("team"));
    auto records = co_await usage.list(ctx.param("team"), page_query(page), kind);
    json::object sums{{"apps", 0}, {"clusters", 0}, {"build_minutes", 0}};
    for (const auto& [name, total] : totals) sums[name] = total;
    auto items = json_items(records, [](const store::UsageRecord& r) {
        return json::object{{"id", r.id}, {"kind", r.kind}, {"quantity", r.quantity}, {"subjectId", r.subject_id},
                            {"recordedAt", timestamp(r.recorded_at)}};
    });
    auto out = page_result(std::move(items), page);
    out["totals"] = std::move(sums);
    co_return Response::json(200, out);
}

asio::awaitable<Response> audit_log(Context& ctx) {
    auto page = page_params(ctx.request);
    auto entries = co_await store::AuditStore(*ctx.state.db).list(ctx.param("team"), page_query(page));
    auto items = json_items(entries, [](const store::AuditEntry& e) {
        return json::object{{"id", e.id}, {"actorId", e.actor_id ? json::value(*e.actor_id) : nullptr},
                            {"actorEmail", e.actor_email ? json::value(*e.actor_email) : nullptr},
                            {"action", e.action}, {"targetType", e.target_type}, {"targetId", e.target_id},
                            {"at", timestamp(e.at)}};
    });
    co_return Response::json(200, page_result(std::move(items), page));
}

}  // namespace

void add_team_routes(Router& r) {
    r.add({"GET", "/api/v1/teams", Access::authenticated, Role::viewer, "List my teams", "teams", list_teams});
    r.add({"POST", "/api/v1/teams", Access::authenticated, Role::viewer, "Create a team (multi-tenant edition)", "teams", create_team, 201, true, true});
    r.add({"GET", "/api/v1/teams/{team}", Access::team, Role::viewer, "Show a team", "teams", get_team});
    r.add({"PATCH", "/api/v1/teams/{team}", Access::team, Role::admin, "Update a team", "teams", update_team, 200, true});
    r.add({"DELETE", "/api/v1/teams/{team}", Access::team, Role::owner, "Delete a team and everything in it", "teams", delete_team, 204});
    r.add({"GET", "/api/v1/teams/{team}/members", Access::team, Role::viewer, "List members", "teams", list_members});
    r.add({"POST", "/api/v1/teams/{team}/members", Access::team, Role::admin, "Add a member", "teams", add_member, 201, true});
    r.add({"PATCH", "/api/v1/teams/{team}/members/{member}", Access::team, Role::admin, "Change a member's role", "teams", update_member, 200, true});
    r.add({"DELETE", "/api/v1/teams/{team}/members/{member}", Access::team, Role::admin, "Remove a member", "teams", remove_member, 204});
    r.add({"GET", "/api/v1/teams/{team}/usage", Access::team, Role::admin, "List usage records and totals", "usage", usage});
    r.add({"GET", "/api/v1/teams/{team}/audit", Access::team, Role::admin, "List the audit log", "audit", audit_log});
    Route events{"GET", "/api/v1/teams/{team}/events", Access::team, Role::viewer,
                 "WebSocket: subscribe to project/app/build/cluster events", "events", websocket_required, 101};
    events.websocket = serve_event_subscriber;
    r.add(std::move(events));
}

}  // namespace sb::server::api
