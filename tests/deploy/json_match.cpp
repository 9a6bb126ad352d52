#include "tests/deploy/json_match.hpp"

#include "operator/common/yaml_json.hpp"

namespace sb::deploytest {
namespace json = boost::json;

std::vector<json::value> yaml_documents_to_json(const std::string& yaml) {
    std::vector<json::value> docs;
    for (auto& object : op::parse_yaml_manifests(yaml)) docs.emplace_back(std::move(object));
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
