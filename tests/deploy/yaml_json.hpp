#pragma once
// YAML documents to JSON values for tests that send manifests to the API
// server. Plain scalars are typed as YAML 1.2's core schema does (null,
// booleans, integers, floats, else strings); quoted scalars stay strings.
#include <boost/json.hpp>
#include <string>
#include <vector>

namespace sb::deploytest {

// Every non-empty document of a (multi-document) YAML stream.
std::vector<boost::json::value> yaml_documents_to_json(const std::string& yaml);

// True when every field of `expected` is present with an equal value in
// `actual` (objects recursively; arrays and scalars must be equal). Lets a
// test prove an object came back without any field pruned.
bool json_contains(const boost::json::value& actual, const boost::json::value& expected, std::string* mismatch = nullptr);

}  // namespace sb::deploytest
