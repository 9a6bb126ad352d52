#pragma once
// What the API shows of an object's status as its cluster last reported it
// (the `reported` column, written by agent/status_sink): chosen string
// fields, "" when the cluster has not reported them (yet).
#include <boost/json/object.hpp>
#include <initializer_list>
#include <string_view>

namespace sb::server::api {

// The reported JSON text as an object; empty when it is not a JSON object.
boost::json::object reported_object(std::string_view reported);

// Adds each of `keys` to `status` from `reported`; a field that is missing
// or not a string gives "".
void add_reported_fields(boost::json::object& status, const boost::json::object& reported,
                         std::initializer_list<std::string_view> keys);
void add_reported_fields(boost::json::object& status, std::string_view reported,
                         std::initializer_list<std::string_view> keys);

}  // namespace sb::server::api
