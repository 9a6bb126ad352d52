#include "tests/operator/support/real_chart.hpp"

#include <stdexcept>

#include "common/json_fields.hpp"
#include "operator/common/yaml_json.hpp"
#include "operator/helm/helm_values.hpp"
#include "tests/support/child_process.hpp"
#include "tests/support/scratch.hpp"

namespace sb::op::testing {

namespace fs = std::filesystem;
namespace json = boost::json;

fs::path shared_chart(std::string_view file) {
    auto path = fs::path(SB_SHARED_CHARTS_DIR) / std::string(file);
    if (!fs::exists(path)) throw std::runtime_error("the real chart " + path.string() + " is missing (../shared/charts)");
    return path;
}

fs::path helm_binary() {
    static const fs::path helm = [] {
        auto out = testenv::run_command({"bash", std::string(SB_SOURCE_DIR) + "/scripts/install-helm"});
        while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
        auto last_line = out.substr(out.find_last_of('\n') == std::string::npos ? 0 : out.find_last_of('\n') + 1);
        if (!fs::exists(last_line)) throw std::runtime_error("install-helm printed no helm path: " + out);
        return fs::path(last_line);
    }();
    return helm;
}

std::vector<json::object> helm_template(const fs::path& chart, std::string_view release, std::string_view ns,
                                        const json::object& values, const std::vector<std::string>& extra_args) {
    testenv::ScratchDir dir("real-chart");
    // The values exactly as the HelmChart's valuesContent carries them.
    testenv::write_file(dir / "values.yaml", helm::values_text(values));
    std::string command = "'" + helm_binary().string() + "' template '" + std::string(release) + "' '" + chart.string() +
                          "' --namespace '" + std::string(ns) + "' -f '" + (dir / "values.yaml").string() + "'";
    for (const auto& a : extra_args) command += " '" + a + "'";
    command += " > '" + (dir / "out.yaml").string() + "'";
    testenv::run_command({"bash", "-c", command});
    return parse_yaml_manifests(testenv::read_file(dir / "out.yaml"), chart.filename().string());
}

std::vector<const json::object*> rendered_of_kind(const std::vector<json::object>& objects, std::string_view kind) {
    std::vector<const json::object*> out;
    for (const auto& o : objects)
        if (get_string(o, "kind") == kind) out.push_back(&o);
    return out;
}

const json::object& rendered(const std::vector<json::object>& objects, std::string_view kind, std::string_view name) {
    std::string seen;
    for (const auto& o : objects) {
        if (get_string(o, "kind") == kind && get_string(o, "metadata.name") == name) return o;
        seen += " " + get_string(o, "kind") + "/" + get_string(o, "metadata.name");
    }
    throw std::runtime_error("no " + std::string(kind) + " " + std::string(name) + " rendered; there are:" + seen);
}

}  // namespace sb::op::testing
