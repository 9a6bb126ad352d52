#pragma once
// The route table: every endpoint is declared once with its method, path
// pattern, required access and handler. Dispatch, authorisation, the
// OpenAPI document and the authorisation-matrix tests all read this table.
#include <boost/asio/awaitable.hpp>
#include <boost/json/object.hpp>

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "server/auth/principal.hpp"
#include "server/auth/role.hpp"
#include "server/http/message.hpp"

namespace sb::server {

struct ServerState;
struct IdempotencyKey;

struct Context {
    const Request& request;
    ServerState& state;
    std::map<std::string, std::string> params;  // path parameters, already checked to exist in the caller's team
    std::optional<Principal> principal;
    Role role = Role::viewer;  // in params["team"], for team routes
    // Set for idempotent creates that carry an Idempotency-Key: the handler
    // stores its response with it inside the create's transaction (api::created).
    IdempotencyKey* idempotency = nullptr;

    const std::string& param(const std::string& name) const { return params.at(name); }
    const Principal& user() const { return *principal; }
};

using Handler = std::function<boost::asio::awaitable<Response>(Context&)>;

class WebSocket;
struct WebSocketSession;
// Runs one upgraded connection of a WebSocket route until it ends.
using WebSocketHandler = std::function<boost::asio::awaitable<void>(ServerState&, WebSocket&, WebSocketSession)>;

// A query parameter a route documents in the OpenAPI document.
struct QueryParameter {
    std::string name;
    std::string type;  // OpenAPI schema type: string, integer, boolean
    std::string description;
};

struct Route {
    std::string method;
    std::string pattern;  // "/api/v1/teams/{team}/projects/{project}"
    Access access = Access::authenticated;
    Role min_role = Role::viewer;
    std::string summary;
    std::string tag;
    Handler handler;
    int success_status = 200;
    bool has_body = false;
    bool idempotent_create = false;  // honours Idempotency-Key
    // The body is not read before the handler runs: it pulls it from
    // Request::body_source (after authorisation, within its own limit).
    bool streams_body = false;
    // Set on WebSocket routes: an Upgrade request runs this after the same
    // authorisation as `handler`, which answers plain requests.
    WebSocketHandler websocket;
    // Merged into the generated OpenAPI operation: typed request and response
    // schemas, extra headers and answers ("responses" merge per status).
    boost::json::object openapi;
    std::vector<QueryParameter> query;
    // Set when the success response is streamed (Response::streamed): its media types.
    std::vector<std::string> streamed_media_types;
    // JSON Schemas of the body and of the success response, for the OpenAPI
    // document (empty: a plain object).
    boost::json::object request_schema;
    boost::json::object response_schema;
};

// What a WebSocket handler knows about its caller, checked like any request.
struct WebSocketSession {
    std::map<std::string, std::string> params;
    std::optional<Principal> principal;  // none on agent routes
    Role role = Role::viewer;
};

class Router {
public:
    void add(Route route);
    const std::vector<Route>& routes() const { return routes_; }

    // Matches, authenticates, authorises (404 for other teams' objects),
    // then runs the handler. Never throws.
    boost::asio::awaitable<Response> dispatch(ServerState& state, const Request& request) const;

    // For WebSocket upgrades: everything dispatch does except the handler.
    struct Authorized {
        const Route* route;
        WebSocketSession session;
    };
    boost::asio::awaitable<std::variant<Authorized, Response>> authorize(ServerState& state, const Request& request) const;

    // Whether the route `request` goes to streams its body (headers read, body not yet).
    bool streams_body(const Request& request) const;

    // The OpenAPI 3 document describing routes().
    boost::json::object openapi() const;

    // Answers GET/HEAD requests whose path no route matches (the web UI's
    // files); nullopt falls through to the API's 404.
    using Fallback = std::function<std::optional<Response>(const Request&)>;
    void set_fallback(Fallback fallback) { fallback_ = std::move(fallback); }

private:
    const Route* match(const Request& request, std::map<std::string, std::string>& params, bool& path_matched) const;
    std::vector<Route> routes_;
    std::vector<std::vector<std::string>> segments_;  // routes_[i].pattern split at '/', for match()
    std::vector<std::vector<std::string>> param_names_;  // routes_[i]'s path parameters in path order
    Fallback fallback_;
};

// Turns any exception into its JSON error response.
Response error_response(std::exception_ptr error);

}  // namespace sb::server
