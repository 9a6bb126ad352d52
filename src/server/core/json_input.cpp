#include "server/core/json_input.hpp"

#include <boost/json/parse.hpp>

#include "server/core/api_error.hpp"

namespace sb::server {
namespace json = boost::json;

BodyReader BodyReader::parse(std::string_view body) {
    if (body.find_first_not_of(" \t\r\n") == std::string_view::npos) return BodyReader(json::object{}, "");
    boost::system::error_code ec;
    json::parse_options options;
    options.max_depth = 32;
    json::value v = json::parse(body, ec, {}, options);
    if (ec) throw ApiError(400, "invalid_json", "request body is not valid JSON: " + ec.message());
    if (!v.is_object()) throw ApiError(400, "invalid_json", "request body must be a JSON object");
    return BodyReader(std::move(v.as_object()), "");
}

bool BodyReader::has(std::string_view key) const { return object_.contains(key); }

const json::value* BodyReader::lookup(std::string_view key) {
    seen_.emplace(key);
    const json::value* v = object_.if_contains(key);
    if (v && v->is_null()) return nullptr;
    return v;
}

namespace {
// "\u0000" is valid JSON, but PostgreSQL cannot store it in text and C APIs
// would cut the string there: refused on every database alike.
void refuse_nul(const std::string& field, std::string_view value) {
    if (value.find('\0') != std::string_view::npos) throw invalid_field(field, field + " must not contain NUL characters");
}
}  // namespace

std::optional<std::string> BodyReader::string(std::string_view key, StringRule rule) {
    const json::value* v = lookup(key);
    if (!v) return std::nullopt;
    if (!v->is_string()) throw invalid_field(path(key), path(key) + " must be a string");
    const auto& s = v->as_string();
    if (s.size() > rule.max_length)
        throw invalid_field(path(key), path(key) + " is longer than " + std::to_string(rule.max_length) + " characters");
    if (!rule.allow_empty && s.empty()) throw invalid_field(path(key), path(key) + " must not be empty");
    refuse_nul(path(key), s);
    return std::string(s);
}

std::string BodyReader::required_string(std::string_view key, StringRule rule) {
    auto s = string(key, rule);
    if (!s) throw invalid_field(path(key), path(key) + " is required");
    return *s;
}

std::optional<bool> BodyReader::boolean(std::string_view key) {
    const json::value* v = lookup(key);
    if (!v) return std::nullopt;
    if (!v->is_bool()) throw invalid_field(path(key), path(key) + " must be true or false");
    return v->as_bool();
}

std::optional<std::int64_t> BodyReader::integer(std::string_view key, std::int64_t min, std::int64_t max) {
    const json::value* v = lookup(key);
    if (!v) return std::nullopt;
    std::int64_t n = 0;
    if (v->is_int64()) n = v->as_int64();
    else if (v->is_uint64() && v->as_uint64() <= static_cast<std::uint64_t>(max)) n = static_cast<std::int64_t>(v->as_uint64());
    else throw invalid_field(path(key), path(key) + " must be an integer");
    if (n < min || n > max)
        throw invalid_field(path(key), path(key) + " must be between " + std::to_string(min) + " and " + std::to_string(max));
    return n;
}

std::optional<std::vector<std::string>> BodyReader::string_list(std::string_view key, std::size_t max_items, StringRule rule) {
    const json::value* v = lookup(key);
    if (!v) return std::nullopt;
    if (!v->is_array()) throw invalid_field(path(key), path(key) + " must be an array of strings");
    const auto& arr = v->as_array();
    if (arr.size() > max_items)
        throw invalid_field(path(key), path(key) + " has more than " + std::to_string(max_items) + " items");
    std::vector<std::string> out;
    for (std::size_t i = 0; i < arr.size(); ++i) {
        std::string item_path = path(key) + "[" + std::to_string(i) + "]";
        if (!arr[i].is_string()) throw invalid_field(item_path, item_path + " must be a string");
        if (arr[i].as_string().size() > rule.max_length) throw invalid_field(item_path, item_path + " is too long");
        refuse_nul(item_path, arr[i].as_string());
        out.emplace_back(arr[i].as_string());
    }
    return out;
}

std::optional<BodyReader> BodyReader::object(std::string_view key) {
    const json::value* v = lookup(key);
    if (!v) return std::nullopt;
    if (!v->is_object()) throw invalid_field(path(key), path(key) + " must be an object");
    return BodyReader(v->as_object(), path(key) + ".");
}

std::optional<json::object> BodyReader::raw_object(std::string_view key) {
    const json::value* v = lookup(key);
    if (!v) return std::nullopt;
    if (!v->is_object()) throw invalid_field(path(key), path(key) + " must be an object");
    return v->as_object();
}

void BodyReader::finish() const {
    for (const auto& [key, _] : object_)
        if (!seen_.contains(std::string_view(key)))
            throw ApiError(400, "unknown_field", "unknown field " + path(key), path(key));
}

void validate_name(const std::string& field, const std::string& value) {
    auto fail = [&](const std::string& why) {
        throw invalid_field(field, field + " " + why + " (lower-case letters, digits and '-', 1-63 characters, starting and ending with a letter or digit)");
    };
    if (value.empty() || value.size() > 63) fail("has the wrong length");
    for (char c : value)
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) fail("contains an invalid character");
    if (value.front() == '-' || value.back() == '-') fail("must not start or end with '-'");
}

void validate_email(const std::string& field, const std::string& value) {
    auto at = value.find('@');
    if (value.size() > 254 || at == std::string::npos || at == 0 || at + 1 >= value.size() ||
        value.find_first_of(" \t\r\n<>\"") != std::string::npos)
        throw invalid_field(field, field + " is not a valid e-mail address");
}

void validate_env_key(const std::string& field, const std::string& value) {
    bool ok = !value.empty() && value.size() <= 128 && !(value[0] >= '0' && value[0] <= '9');
    for (char c : value) ok = ok && ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_');
    if (!ok) throw invalid_field(field, field + " must match [A-Za-z_][A-Za-z0-9_]*");
}

}  // namespace sb::server
