#include "operator/common/yaml_json.hpp"

#include <yaml-cpp/yaml.h>

#include <boost/json/array.hpp>
#include <charconv>
#include <regex>

namespace sb::op {

namespace json = boost::json;

namespace {

json::value plain_scalar(const std::string& s) {
    if (s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL") return nullptr;
    if (s == "true" || s == "True" || s == "TRUE") return true;
    if (s == "false" || s == "False" || s == "FALSE") return false;
    static const std::regex integer(R"([-+]?[0-9]+)");
    static const std::regex floating(R"([-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?)");
    if (std::regex_match(s, integer)) {
        std::int64_t v = 0;
        auto begin = s.data() + (s.front() == '+' ? 1 : 0);
        auto [ptr, ec] = std::from_chars(begin, s.data() + s.size(), v);
        if (ec == std::errc() && ptr == s.data() + s.size()) return v;
    }
    if (std::regex_match(s, floating)) return std::stod(s);
    return json::string(s);
}

}  // namespace

json::value yaml_to_json(const YAML::Node& node) {
    switch (node.Type()) {
    case YAML::NodeType::Undefined:
    case YAML::NodeType::Null:
        return nullptr;
    case YAML::NodeType::Scalar:
        // "?" = plain scalar (type resolved by content); "!" = quoted (a string).
        if (node.Tag() == "!" || node.Tag() == "tag:yaml.org,2002:str") return json::string(node.Scalar());
        return plain_scalar(node.Scalar());
    case YAML::NodeType::Sequence: {
        json::array arr;
        for (const auto& item : node) arr.push_back(yaml_to_json(item));
        return arr;
    }
    case YAML::NodeType::Map: {
        json::object obj;
        for (const auto& entry : node) obj[entry.first.as<std::string>()] = yaml_to_json(entry.second);
        return obj;
    }
    }
    return nullptr;
}

std::vector<json::object> parse_yaml_manifests(std::string_view yaml, std::string_view source) {
    std::vector<YAML::Node> docs;
    try {
        docs = YAML::LoadAll(std::string(yaml));
    } catch (const YAML::Exception& e) {
        throw std::invalid_argument(std::string(source) + ": not valid YAML: " + e.what());
    }
    std::vector<json::object> out;
    for (const auto& doc : docs) {
        if (doc.IsNull()) continue;
        auto value = yaml_to_json(doc);
        if (!value.is_object()) throw std::invalid_argument(std::string(source) + ": a document is not a map");
        out.push_back(std::move(value.get_object()));
    }
    return out;
}

}  // namespace sb::op
