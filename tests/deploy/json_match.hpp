#pragma once
// JSON helpers for tests that send manifests to the API server and compare
// what comes back.
#include <boost/json.hpp>
#include <string>
#include <vector>

namespace sb::deploytest {

// Every non-empty document of a (multi-document) YAML stream, typed by the
// operator's own YAML reader (sb::op::parse_yaml_manifests).
std::vector<boost::json::value> yaml_documents_to_json(const std::string& yaml);

// True when every field of `expected` is present with an equal value in
// `actual` (objects recursively; arrays and scalars must be equal). Lets a
// test prove an object came back without any field pruned.
bool json_contains(const boost::json::value& actual, const boost::json::value& expected, std::string* mismatch = nullptr);

}  // namespace sb::deploytest
