#pragma once
// YAML manifests to JSON objects the API client can send. Plain scalars get
// YAML 1.2 core-schema types (null, bool, int, float, else string); quoted
// scalars are always strings.
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <stdexcept>
#include <string_view>
#include <vector>

namespace YAML {
class Node;
}

namespace sb::op {

boost::json::value yaml_to_json(const YAML::Node& node);

// Every non-empty document of a (multi-document) YAML stream; each must be a
// map. Throws std::invalid_argument naming `source` on bad input.
std::vector<boost::json::object> parse_yaml_manifests(std::string_view yaml, std::string_view source = "manifest");

}  // namespace sb::op
