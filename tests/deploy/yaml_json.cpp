#include "yaml_json.hpp"

#include <yaml-cpp/yaml.h>

#include <charconv>
#include <regex>
#include <stdexcept>

namespace sb::deploytest {
namespace json = boost::json;

namespace {

json::value plain_scalar(const std::string& s) {
    static const std::regex null_re("^(~|null|Null|NULL)?$");
    static const std::regex true_re("^(true|True|TRUE)$");
    static const std::regex false_re("^(false|False|FALSE)$");
    static const std::regex int_re("^[-+]?[0-9]+$");
    static const std::regex float_re(R"(^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$)");
    if (std::regex_match(s, null_re)) return nullptr;
    if (std::regex_match(s, true_re)) return true;
    if (std::regex_match(s, false_re)) return false;
    if (std::regex_match(s, int_re)) {
        std::int64_t v = 0;
        const char* begin = s.data() + (s.front() == '+' ? 1 : 0);
        auto [ptr, ec] = std::from_chars(begin, s.data() + s.size(), v);
        if (ec == std::errc() && ptr == s.data() + s.size()) return v;
    }
    if (std::regex_match(s, float_re)) return std::stod(s);
    return json::string(s);
}

json::value to_json(const YAML::Node& node) {
    switch (node.Type()) {
        case YAML::NodeType::Null:
        case YAML::NodeType::Undefined:
            return nullptr;
        case YAML::NodeType::Scalar:
            // yaml-cpp tags plain scalars "?" and quoted ones "!".
            if (node.Tag() == "!") return json::string(node.Scalar());
            return plain_scalar(node.Scalar());
        case YAML::NodeType::Sequence: {
            json::array out;
            for (const auto& item : node) out.push_back(to_json(item));
            return out;
        }
        case YAML::NodeType::Map: {
            json::object out;
            for (const auto& entry : node) out[entry.first.as<std::string>()] = to_json(entry.second);
            return out;
        }
    }
    throw std::logic_error("unknown YAML node type");
}

}  // namespace

std::vector<json::value> yaml_documents_to_json(const std::string& yaml) {
    std::vector<json::value> docs;
    for (const auto& node : YAML::LoadAll(yaml)) {
        if (node.IsNull() || !node.IsDefined()) continue;
        docs.push_back(to_json(node));
    }
    return docs;
}

bool json_contains(const json::value& actual, const json::value& expected, std::string* mismatch) {
    if (expected.is_object()) {
        if (!actual.is_object()) {
            if (mismatch) *mismatch = "expected an object, got " + json::serialize(actual);
            return false;
        }
        for (const auto& [key, value] : expected.as_object()) {
            const auto* found = actual.as_object().if_contains(key);
            if (!found) {
                if (mismatch) *mismatch = "missing field " + std::string(key);
                return false;
            }
            std::string inner;
            if (!json_contains(*found, value, &inner)) {
                if (mismatch) *mismatch = std::string(key) + ": " + inner;
                return false;
            }
        }
        return true;
    }
    if (expected.is_array() && actual.is_array() && expected.as_array().size() == actual.as_array().size()) {
        for (std::size_t i = 0; i < expected.as_array().size(); ++i) {
            std::string inner;
            if (!json_contains(actual.as_array()[i], expected.as_array()[i], &inner)) {
                if (mismatch) *mismatch = "[" + std::to_string(i) + "]: " + inner;
                return false;
            }
        }
        return true;
    }
    // Numbers compare by value whatever their JSON representation.
    if (expected.is_number() && actual.is_number()) {
        if (expected.to_number<double>() == actual.to_number<double>()) return true;
    } else if (expected == actual) {
        return true;
    }
    if (mismatch) *mismatch = "expected " + json::serialize(expected) + ", got " + json::serialize(actual);
    return false;
}

}  // namespace sb::deploytest
