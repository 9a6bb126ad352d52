#pragma once
// Rendering the real upstream charts the operator deploys (../shared/charts:
// nxs-universal-chart and groundhog2k's database charts) with `helm template`
// and exactly the values the operator writes, to check the objects they make.
#include <boost/json/object.hpp>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace sb::op::testing {

// A packaged chart in ../shared/charts, e.g. "postgres-1.5.5.tgz".
std::filesystem::path shared_chart(std::string_view file);
inline constexpr std::string_view kUniversalChart = "universal-chart-2.8.1.tgz";

// helm from scripts/install-helm (installed on first use).
std::filesystem::path helm_binary();

// `helm template <release> <chart> --namespace <ns> -f <values>`: the
// rendered objects. extra_args e.g. {"--api-versions", "cert-manager.io/v1"}.
std::vector<boost::json::object> helm_template(const std::filesystem::path& chart, std::string_view release,
                                               std::string_view ns, const boost::json::object& values,
                                               const std::vector<std::string>& extra_args = {});

// The rendered object of this kind and name; throws naming what is there when absent.
const boost::json::object& rendered(const std::vector<boost::json::object>& objects, std::string_view kind,
                                    std::string_view name);
std::vector<const boost::json::object*> rendered_of_kind(const std::vector<boost::json::object>& objects,
                                                         std::string_view kind);

}  // namespace sb::op::testing
