#include "common/json_fields.hpp"

namespace sb {

namespace json = boost::json;

const json::value* find_value(const json::object& obj, std::string_view dotted_path) {
    const json::object* current = &obj;
    for (;;) {
        const auto dot = dotted_path.find('.');
        const auto* value = current->if_contains(dotted_path.substr(0, dot));
        if (!value) return nullptr;
        if (dot == std::string_view::npos) return value;
        if (!value->is_object()) return nullptr;
        current = &value->get_object();
        dotted_path.remove_prefix(dot + 1);
    }
}

const json::object* find_object(const json::object& obj, std::string_view dotted_path) {
    const auto* v = find_value(obj, dotted_path);
    return v && v->is_object() ? &v->get_object() : nullptr;
}

const json::array* find_array(const json::object& obj, std::string_view dotted_path) {
    const auto* v = find_value(obj, dotted_path);
    return v && v->is_array() ? &v->get_array() : nullptr;
}

std::string_view get_string_view(const json::object& obj, std::string_view dotted_path) {
    const auto* v = find_value(obj, dotted_path);
    return v && v->is_string() ? std::string_view(v->get_string()) : std::string_view();
}

std::string get_string(const json::object& obj, std::string_view dotted_path) {
    return std::string(get_string_view(obj, dotted_path));
}

std::optional<bool> get_bool(const json::object& obj, std::string_view dotted_path) {
    const auto* v = find_value(obj, dotted_path);
    if (v && v->is_bool()) return v->get_bool();
    return std::nullopt;
}

std::optional<std::int64_t> get_int(const json::object& obj, std::string_view dotted_path) {
    const auto* v = find_value(obj, dotted_path);
    if (!v) return std::nullopt;
    if (v->is_int64()) return v->get_int64();
    if (v->is_uint64()) return static_cast<std::int64_t>(v->get_uint64());
    return std::nullopt;
}

json::object& ensure_object(json::object& obj, std::string_view dotted_path) {
    json::object* current = &obj;
    while (!dotted_path.empty()) {
        const auto dot = dotted_path.find('.');
        auto& slot = (*current)[dotted_path.substr(0, dot)];
        if (!slot.is_object()) slot = json::object();
        current = &slot.get_object();
        dotted_path = dot == std::string_view::npos ? std::string_view() : dotted_path.substr(dot + 1);
    }
    return *current;
}

}  // namespace sb
