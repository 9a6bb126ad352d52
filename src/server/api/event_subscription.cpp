#include "server/api/event_subscription.hpp"

#include <boost/json/parse.hpp>

#include "server/auth/ownership.hpp"
#include "server/core/api_error.hpp"
#include "server/core/json_input.hpp"
#include "server/core/state.hpp"
#include "server/http/router.hpp"

namespace sb::server::api {
namespace asio = boost::asio;
namespace json = boost::json;

asio::awaitable<Response> handle_subscription_message(ServerState& state, std::string team,
                                                      std::shared_ptr<EventSubscriber> sub, std::string text) {
    try {
        auto body = BodyReader::parse(text);
        auto type = body.required_string("type", {.max_length = 20});
        auto topic = body.required_string("topic", {.max_length = 100});
        body.finish();
        if (type != "subscribe") throw invalid_field("type", "type must be subscribe");
        auto colon = topic.find(':');
        std::string kind = topic.substr(0, colon), id;
        if (colon != std::string::npos) id = topic.substr(colon + 1);
        bool known = kind == "project" || kind == "app" || kind == "build";
        if (!known || id.empty()) throw invalid_field("topic", "topic must be project:<id>, app:<id> or build:<id>");
        bool owned = co_await owned_by(state, kind, id, "team", team);
        if (!owned) throw not_found(kind);
        state.events.subscribe(sub, topic);
        co_return Response::json(200, json::object{{"type", "subscribed"}, {"topic", topic}});
    } catch (...) {
        auto err = error_response(std::current_exception());
        auto v = json::parse(err.body).as_object();
        v["type"] = "error";
        co_return Response::json(err.status, v);
    }
}

}  // namespace sb::server::api
