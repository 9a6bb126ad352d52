// Services: databases, caches and queues deployed next to a project's apps.
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "server/agent/agent_hub.hpp"
#include "server/agent/awaited_request.hpp"
#include "server/api/cluster_sync.hpp"
#include "server/api/helpers.hpp"
#include "server/store/project_store.hpp"
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

// The service's connection details, read from its cluster on request (the
// operator reads the <service>-connection Secret); the server neither keeps
// nor logs them. Audited.
asio::awaitable<Response> credentials(Context& ctx) {
    auto service = co_await load(ctx);
    auto project = co_await store::ProjectStore(*ctx.state.db).find(ctx.param("project"));
    if (!project) throw not_found("project");
    if (!project->cluster_id)
        throw conflict("the service's project has no cluster, so the service runs nowhere: set the project's clusterId first", "clusterId");
    if (auto connection = ctx.state.agents.find(*project->cluster_id);
        connection && !connection->capabilities.contains("serviceCredentials"))
        throw conflict("the service's cluster runs an operator that cannot read credentials: upgrade it");
    sb::agent::Body request{sb::agent::ReadServiceCredentials{project->name, service.name}};
    auto answer = co_await agent::send_and_wait(ctx.state, *project->cluster_id, std::move(request), std::chrono::seconds(30),
                                                "the service's credentials cannot be read now");
    if (const auto* ack = std::get_if<sb::agent::Ack>(&answer)) {
        const std::string why = ack->error ? ack->error->message : "no credentials in the answer";
        if (ack->error && ack->error->code == sb::agent::ErrorCode::not_found)
            throw conflict("service " + service.name + " has no credentials yet: " + why + " (sb services show " + service.name + ")");
        if (ack->error && ack->error->code == sb::agent::ErrorCode::unavailable)
            throw ApiError(503, "cluster_unavailable", "the service's cluster could not read its credentials: " + why);
        throw ApiError(502, "cluster_error", "the service's cluster refused to read its credentials: " + why);
    }
    const auto& data = std::get<sb::agent::ServiceCredentials>(answer).data;
    auto value = [&](const char* key) -> json::value {
        auto it = data.find(key);
        return it == data.end() ? json::value(nullptr) : json::value(it->second);
    };
    json::value url = nullptr;
    for (const char* key : {"DATABASE_URL", "REDIS_URL", "MONGODB_URL", "AMQP_URL"})
        if (data.contains(key)) url = value(key);
    json::object env;
    for (const auto& [key, v] : data) env[key] = v;
    json::object out{{"service", service.name}, {"host", value("HOST")},         {"port", value("PORT")},
                     {"username", value("USERNAME")}, {"password", value("PASSWORD")}, {"database", value("DATABASE")},
                     {"url", url},                    {"env", std::move(env)}};
    co_await ctx.state.db->transact([&](db::Session& s) -> asio::awaitable<void> {
        co_await audit(s, ctx.param("team"), ctx, "service.credentials_read", "service", service.id);
    });
    auto response = Response::json(200, out);
    response.with_header("Cache-Control", "no-store");
    co_return response;
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
    // Like an app's env values: developers and up.
    Route read_credentials{"GET", base + "/{service}/credentials", Access::team, Role::developer,
                           "Show the service's connection details (read from its cluster, never stored)", "services", credentials};
    read_credentials.response_schema = json::parse(R"JSON({
      "type": "object",
      "required": ["service", "host", "port", "password", "env"],
      "properties": {
        "service": {"type": "string"},
        "host": {"type": "string", "description": "in-cluster host name"},
        "port": {"type": "string"},
        "username": {"type": "string", "nullable": true},
        "password": {"type": "string"},
        "database": {"type": "string", "nullable": true},
        "url": {"type": "string", "nullable": true, "description": "DATABASE_URL, REDIS_URL, MONGODB_URL or AMQP_URL, as a bound app gets it"},
        "env": {"type": "object", "additionalProperties": {"type": "string"},
                "description": "every variable a bound app gets from the service"}
      }
    })JSON").as_object();
    read_credentials.openapi = json::parse(R"JSON({
      "description": "Read from the service's cluster through its operator at each request (the Secret <service>-connection); the server neither stores nor logs them, and the answer carries Cache-Control: no-store. Each read is in the team's audit log.",
      "responses": {
        "409": {"description": "the service has no credentials yet (still installing), its project has no cluster, or its operator is too old",
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
        "503": {"description": "the service's cluster is not connected",
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
        "504": {"description": "the cluster did not answer in time",
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}}
    })JSON").as_object();
    r.add(std::move(read_credentials));
}

}  // namespace sb::server::api
