// Source uploads: a tar.gz of an app's directory (sb push --path) becomes a
// build. The archive goes through the server to the app's cluster as it
// arrives (agent/source_relay) and is stored there; the server keeps only
// its digest and size, on the build that builds it.
#include <boost/json/parse.hpp>

#include "server/agent/source_relay.hpp"
#include "server/api/build_start.hpp"
#include "server/api/helpers.hpp"
#include "server/store/app_location_store.hpp"
#include "server/store/app_store.hpp"

namespace sb::server::api {

namespace {

bool is_gzip_media_type(std::string_view content_type) {
    auto type = content_type.substr(0, content_type.find(';'));
    while (!type.empty() && type.back() == ' ') type.remove_suffix(1);
    std::string lower(type);
    for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return lower == "application/gzip" || lower == "application/x-gzip";
}

asio::awaitable<Response> upload(Context& ctx) {
    auto content_type = ctx.request.header("content-type");
    if (!content_type || !is_gzip_media_type(*content_type))
        throw ApiError(415, "unsupported_media_type",
                       "the source must be sent as Content-Type: application/gzip (a tar.gz of the app's directory), not " +
                           (content_type ? std::string(content_type->substr(0, 100)) : std::string("no Content-Type")));
    auto location = co_await store::find_app_location(*ctx.state.db, ctx.param("app"));
    if (!location) throw not_found("app");
    if (!location->cluster_id)
        throw conflict("project has no cluster to build in: set the project's clusterId first", "clusterId");
    auto app = co_await store::AppStore(*ctx.state.db).find(ctx.param("app"));
    if (!app) throw not_found("app");
    auto spec = json::parse(app->spec).as_object();
    if (const auto* build = spec.if_contains("build"); build && build->is_object())
        if (const auto* type = build->as_object().if_contains("type"); type && *type == "image")
            throw conflict("app " + location->app_name + " deploys an image (build.type image): it builds no source", "build.type");

    agent::SourceDestination where{*location->cluster_id, location->project_name, location->app_name};
    auto stored = co_await agent::relay_source(ctx.state, std::move(where), *ctx.request.body_source,
                                               ctx.state.config.source_upload_limit_bytes);
    json::object out;
    co_await ctx.state.db->transact([&](db::Session& s) -> asio::awaitable<void> {
        NewBuild wanted{ctx.param("team"), ctx.param("project"), ctx.param("app"), "", "", "upload", stored.digest, stored.size};
        out = co_await insert_build(s, std::move(wanted));
    });
    co_await announce_build(ctx.state, ctx.param("project"), out);
    co_return with_etag(Response::json(201, out), 1);
}

}  // namespace

void add_source_routes(Router& r) {
    Route route{"PUT", "/api/v1/teams/{team}/projects/{project}/apps/{app}/source", Access::team, Role::developer,
                "Upload the app's source (a tar.gz of its directory) and build it", "builds", upload, 201};
    route.streams_body = true;
    route.response_schema = json::parse(R"JSON({
      "type": "object",
      "description": "the build of the uploaded source, as GET .../builds/{build} shows it",
      "required": ["id", "appId", "source", "status"],
      "properties": {
        "id": {"type": "string"},
        "appId": {"type": "string"},
        "imageTag": {"type": "string"},
        "source": {"type": "object", "required": ["kind", "digest", "size"], "properties": {
          "kind": {"type": "string", "enum": ["upload"]},
          "digest": {"type": "string", "pattern": "^sha256:[0-9a-f]{64}$",
                     "description": "SHA-256 of the archive, under which the app's cluster stores it"},
          "size": {"type": "integer", "description": "bytes of the archive"}}},
        "status": {"type": "object", "properties": {"phase": {"type": "string"}, "message": {"type": "string"}}}
      }
    })JSON").as_object();
    route.openapi = json::parse(R"JSON({
      "description": "The body is a gzip-compressed tar archive of the app's directory, streamed to the app's cluster as it arrives and stored there (in the app's registry, next to its images); the server keeps only its digest and size. Then a build of it starts, like POST .../builds. A Content-Length above the server's source upload limit is refused at once (413); send Expect: 100-continue to learn of a refusal (size, cluster offline) before sending the body.",
      "requestBody": {"required": true, "content": {
        "application/gzip": {"schema": {"type": "string", "format": "binary"}},
        "application/x-gzip": {"schema": {"type": "string", "format": "binary"}}}},
      "responses": {
        "409": {"description": "the project has no cluster, the app deploys an image, or its cluster takes no uploads yet",
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
        "413": {"description": "the archive is larger than the server's source upload limit (the message names it)",
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
        "415": {"description": "the Content-Type is not application/gzip",
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
        "502": {"description": "the app's cluster refused the archive",
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
        "503": {"description": "the app's cluster is not connected",
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
        "504": {"description": "the app's cluster did not confirm the archive in time",
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}}
    })JSON").as_object();
    r.add(std::move(route));
}

}  // namespace sb::server::api
