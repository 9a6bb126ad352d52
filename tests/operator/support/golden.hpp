#pragma once
// Golden-file comparison for generated objects: pretty JSON (or text) in
// tests/operator/testdata. SB_UPDATE_GOLDEN=1 rewrites the files instead.
#include <boost/json/value.hpp>
#include <string>
#include <string_view>

namespace sb::op::testing {

std::string testdata_path(std::string_view relative);
std::string pretty_json(const boost::json::value& value);
// Returns "" when equal (or updated), otherwise a message with the first difference.
std::string compare_golden(std::string_view relative_path, const std::string& actual);

}  // namespace sb::op::testing
