// The OpenAPI 3 document, generated from the route table so it cannot drift
// from the real routes.
#include <set>

#include "server/http/router.hpp"

namespace sb::server {
namespace json = boost::json;

namespace {

json::object error_ref(const char* description) {
    return {{"description", description},
            {"content", {{"application/json", {{"schema", {{"$ref", "#/components/schemas/Error"}}}}}}}};
}

}  // namespace

json::object Router::openapi() const {
    json::object paths;
    for (const auto& route : routes_) {
        json::object op;
        op["summary"] = route.summary;
        op["operationId"] = route.method + " " + route.pattern;
        if (!route.tag.empty()) op["tags"] = json::array{route.tag};
        json::array parameters;
        std::string_view p = route.pattern;
        for (auto open = p.find('{'); open != std::string_view::npos; open = p.find('{', open + 1)) {
            auto close = p.find('}', open);
            parameters.push_back(json::object{{"name", std::string(p.substr(open + 1, close - open - 1))},
                                              {"in", "path"},
                                              {"required", true},
                                              {"schema", {{"type", "string"}}}});
        }
        if (route.method == "GET" && route.success_status == 200 && route.summary.starts_with("List")) {
            parameters.push_back(json::object{{"name", "limit"}, {"in", "query"}, {"schema", {{"type", "integer"}, {"minimum", 1}, {"maximum", 200}}}});
            parameters.push_back(json::object{{"name", "after"}, {"in", "query"}, {"schema", {{"type", "string"}}}});
        }
        for (const auto& q : route.query)
            parameters.push_back(json::object{
                {"name", q.name}, {"in", "query"}, {"description", q.description}, {"schema", {{"type", q.type}}}});
        if (route.idempotent_create)
            parameters.push_back(json::object{{"name", "Idempotency-Key"}, {"in", "header"}, {"schema", {{"type", "string"}}}});
        if (route.method == "PATCH" || route.method == "PUT" || route.method == "DELETE")
            parameters.push_back(json::object{{"name", "If-Match"}, {"in", "header"}, {"schema", {{"type", "string"}}}});
        if (!parameters.empty()) op["parameters"] = std::move(parameters);
        if (route.has_body) {
            json::object schema = route.request_schema.empty() ? json::object{{"type", "object"}} : route.request_schema;
            op["requestBody"] = {{"required", true}, {"content", {{"application/json", {{"schema", std::move(schema)}}}}}};
        }
        json::object responses;
        json::object success{{"description", route.websocket ? "switching to WebSocket" : "success"}};
        if (!route.response_schema.empty())
            success["content"] = {{"application/json", {{"schema", route.response_schema}}}};
        responses[std::to_string(route.success_status)] = std::move(success);
        if (!route.streamed_media_types.empty()) {
            json::object content;
            for (const auto& type : route.streamed_media_types) content[type] = json::object{{"schema", {{"type", "string"}}}};
            responses[std::to_string(route.success_status)] = json::object{
                {"description", "streamed as it is produced (chunked transfer encoding); the media type follows Accept"},
                {"content", std::move(content)}};
            responses["409"] = error_ref("the object's project has no cluster");
            responses["429"] = error_ref("too many log streams open for this user or cluster");
            responses["503"] = error_ref("the cluster is not connected");
        }
        responses["400"] = error_ref("invalid request; error.field names the offending field");
        if (route.access == Access::registration) {
            responses["401"] = error_ref("the registration token is unknown or was replaced");
            responses["410"] = error_ref("the registration URL was already used, or expired");
            responses["429"] = error_ref("too many invalid registration tokens from this address");
            op["security"] = json::array{json::object{{"registrationToken", json::array{}}}};
        } else if (route.access != Access::public_) {
            responses["401"] = error_ref("not authenticated");
            responses["403"] = error_ref("role too low, or missing CSRF token");
            op["security"] = json::array{json::object{{"bearer", json::array{}}}, json::object{{"session", json::array{}}}};
        } else {
            op["security"] = json::array{};
        }
        if (route.access == Access::team) responses["404"] = error_ref("not found (or belongs to another team)");
        if (route.method == "PATCH" || route.method == "PUT" || route.method == "DELETE")
            responses["412"] = error_ref("If-Match does not match the current ETag");
        op["responses"] = std::move(responses);
        for (const auto& [key, value] : route.openapi) {
            if (key == "responses" && value.is_object())
                for (const auto& [status, answer] : value.as_object()) op["responses"].as_object()[status] = answer;
            else
                op[key] = value;
        }
        op["x-required-role"] = route.access == Access::team ? std::string(role_name(route.min_role))
                              : route.access == Access::server_admin ? "server-admin"
                              : route.access == Access::authenticated ? "authenticated"
                              : route.access == Access::registration ? "registration-token"
                              : route.access == Access::agent ? "agent-token" : "public";
        std::string method = route.method;
        for (auto& c : method) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        auto& item = paths[route.pattern];
        if (!item.is_object()) item = json::object{};
        item.as_object()[method] = std::move(op);
    }
    json::object error_schema{
        {"type", "object"},
        {"required", json::array{"error"}},
        {"properties",
         {{"error",
           {{"type", "object"},
            {"required", json::array{"code", "message"}},
            {"properties",
             {{"code", {{"type", "string"}}}, {"message", {{"type", "string"}}}, {"field", {{"type", "string"}}}}}}}}}};
    return json::object{
        {"openapi", "3.0.3"},
        {"info", {{"title", "ShapeBlock API"}, {"version", "1"}}},
        {"servers", json::array{json::object{{"url", "/"}}}},
        {"paths", std::move(paths)},
        {"components",
         {{"schemas", {{"Error", std::move(error_schema)}}},
          {"securitySchemes",
           {{"bearer", {{"type", "http"}, {"scheme", "bearer"}}},
            {"session", {{"type", "apiKey"}, {"in", "cookie"}, {"name", "sb_session"}}},
            {"registrationToken", {{"type", "apiKey"}, {"in", "query"}, {"name", "token"}}}}}}},
    };
}

}  // namespace sb::server
