// Services: databases, caches and queues deployed next to a project's apps.
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "server/api/cluster_sync.hpp"
#include "server/api/helpers.hpp"
#include "server/store/service_store.hpp"

namespace sb::server::api {

namespace {

const std::vector<std::string> kTypes = {"postgresql", "mysql", "redis", "mongodb", "rabbitmq", "chart"};

json::object service_json(const store::Service& service) {
    json::object out{{"id", service.id}, {"name", service.name}, {"type", service.type}};
    auto spec = json::parse(service.spec);
    for (auto& [k, v] : spec.as_object()) out[k] = v;
    out["status"] = {{"phase", service.phase}};
    out["createdAt"] = timestamp(service.created_at);
    out["updatedAt"] = timestamp(service.updated_at);
    out["version"] = service.version;
    return out;
}

void apply_body(BodyReader& body, json::object& spec) {
    if (auto v = body.string("chart", {.max_length = 512})) spec["chart"] = *v;
    if (auto v = body.string("chartVersion", {.max_length = 64})) spec["chartVersion"] = *v;
    if (auto v = body.string("storage", {.max_length = 16})) spec["storage"] = *v;
    if (auto v = body.raw_object("values")) {
        if (json::serialize(*v).size() > 65536) throw invalid_field("values", "values is larger than 64 KiB");
        spec["values"] = *v;
    }
}

// The router checked that the service exists.
asio::awaitable<store::Service> load(Context& ctx) {
    auto service = co_await store::ServiceStore(*ctx.state.db).find(ctx.param("service"));
    if (!service) throw not_found("service");
    co_return std::move(*service);
}

asio::awaitable<Response> list(Context& ctx) {
    auto page = page_params(ctx.request, {"type"});
    std::string type = query_value(ctx.request, "type");
    auto services = co_await store::ServiceStore(*ctx.state.db).list(ctx.param("project"), page_query(page), type);
    co_return Response::json(200, page_result(json_items(services, service_json), page));
}

asio::awaitable<Response> create(Context& ctx) {
    auto body = BodyReader::parse(ctx.request.body);
    auto name = body.required_string("name", {.max_length = 63});
    auto type = body.required_string("type", {.max_length = 20});
    json::object spec{{"values", json::object{}}};
    apply_body(body, spec);
    body.finish();
    validate_name("name", name);
    if (std::find(kTypes.begin(), kTypes.end(), type) == kTypes.end())
        throw invalid_field("type", "type must be one of postgresql, mysql, redis, mongodb, rabbitmq, chart");
    if (type == "chart" && !spec.contains("chart")) throw invalid_field("chart", "chart is required when type is chart");
    auto id = crypto::new_id();
    auto now = crypto::now_ms();
    json::object out;
    Response response;
    co_await ctx.state.db->transact([&](db::Session& s) -> asio::awaitable<void> {
        store::ServiceStore services(s);
        co_await services.insert(id, ctx.param("team"), ctx.param("project"), name, type, json::serialize(spec), now);
        co_await audit(s, ctx.param("team"), ctx, "service.create", "service", id);
        auto service = co_await services.find(id);
        out = service_json(*service);
        auto made = with_etag(Response::json(201, out), 1);
        response = co_await created(s, ctx, std::move(made));
    });
    ctx.state.events.publish("project:" + ctx.param("project"), "service.created", out);
    co_await sync_project_cluster(ctx.state, ctx.param("project"));
    co_return response;
}

asio::awaitable<Response> get(Context& ctx) {
    auto service = co_await load(ctx);
    co_return with_etag(Response::json(200, service_json(service)), service.version);
}

asio::awaitable<Response> update(Context& ctx) {
    auto service = co_await load(ctx);
    auto version = service.version;
    auto spec = json::parse(service.spec).as_object();
    auto body = BodyReader::parse(ctx.request.body);
    apply_body(body, spec);
    body.finish();
    check_if_match(ctx.request, version);
    co_await ctx.state.db->transact([&](db::Session& s) -> asio::awaitable<void> {
        bool updated = co_await store::ServiceStore(s).update_spec(ctx.param("service"), json::serialize(spec), crypto::now_ms(), version);
        if (!updated) throw precondition_failed();
        co_await audit(s, ctx.param("team"), ctx, "service.update", "service", ctx.param("service"));
    });
    service = co_await load(ctx);
    auto out = service_json(service);
    ctx.state.events.publish("project:" + ctx.param("project"), "service.updated", out);
    co_await sync_project_cluster(ctx.state, ctx.param("project"));
    co_return with_etag(Response::json(200, out), service.version);
}

asio::awaitable<Response> remove(Context& ctx) {
    auto service = co_await load(ctx);
    check_if_match(ctx.request, service.version);
    co_await ctx.state.db->transact([&](db::Session& s) -> asio::awaitable<void> {
        co_await request_cluster_delete(s, ctx.param("project"), "Service", service.name);
        co_await store::ServiceStore(s).remove(ctx.param("service"));
        co_await audit(s, ctx.param("team"), ctx, "service.delete", "service", ctx.param("service"));
    });
    ctx.state.events.publish("project:" + ctx.param("project"), "service.deleted", {{"id", ctx.param("service")}});
    co_await sync_project_cluster(ctx.state, ctx.param("project"));
    co_return Response::no_content();
}

}  // namespace

void add_service_routes(Router& r) {
    const std::string base = "/api/v1/teams/{team}/projects/{project}/services";
    r.add({"GET", base, Access::team, Role::viewer, "List services", "services", list});
    r.add({"POST", base, Access::team, Role::developer, "Create a service", "services", create, 201, true, true});
    r.add({"GET", base + "/{service}", Access::team, Role::viewer, "Show a service", "services", get});
    r.add({"PATCH", base + "/{service}", Access::team, Role::developer, "Update a service", "services", update, 200, true});
    r.add({"DELETE", base + "/{service}", Access::team, Role::admin, "Delete a service", "services", remove, 204});
}

}  // namespace sb::server::api
