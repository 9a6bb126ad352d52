#include "server/api/reported_status.hpp"

#include <boost/json/parse.hpp>

namespace sb::server::api {
namespace json = boost::json;

json::object reported_object(std::string_view reported) {
    std::error_code ec;
    auto parsed = json::parse(reported, ec);
    return !ec && parsed.is_object() ? std::move(parsed.get_object()) : json::object{};
}

void add_reported_fields(json::object& status, const json::object& reported, std::initializer_list<std::string_view> keys) {
    for (auto key : keys) {
        const json::value* v = reported.if_contains(key);
        status[key] = v && v->is_string() ? v->get_string() : json::string();
    }
}

void add_reported_fields(json::object& status, std::string_view reported, std::initializer_list<std::string_view> keys) {
    add_reported_fields(status, reported_object(reported), keys);
}

}  // namespace sb::server::api
