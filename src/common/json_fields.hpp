#pragma once
// Reading fields of JSON objects (Kubernetes objects, API bodies) without
// exceptions: a missing field or one of another type reads as absent.
//
// Paths are dotted ("status.conditions"). A key that itself holds a dot
// (label and annotation names such as "apps.shapeblock.io/app") is read from
// its parent object with if_contains, not through a path.
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sb {

const boost::json::value* find_value(const boost::json::object& obj, std::string_view dotted_path);
const boost::json::object* find_object(const boost::json::object& obj, std::string_view dotted_path);
const boost::json::array* find_array(const boost::json::object& obj, std::string_view dotted_path);
// "" when absent or not a string.
std::string get_string(const boost::json::object& obj, std::string_view dotted_path);
// As get_string, viewing the object's own storage (valid while it lives unchanged).
std::string_view get_string_view(const boost::json::object& obj, std::string_view dotted_path);
std::optional<bool> get_bool(const boost::json::object& obj, std::string_view dotted_path);
// Integers only (signed or unsigned); a double or a numeric string reads as absent.
std::optional<std::int64_t> get_int(const boost::json::object& obj, std::string_view dotted_path);

// The object at dotted_path, made (replacing any non-object) where missing.
boost::json::object& ensure_object(boost::json::object& obj, std::string_view dotted_path);

}  // namespace sb
