#pragma once
// Paths of the deploy sources under test and a once-per-process install of
// the ShapeBlock CRDs into the shared test control plane.
#include <boost/json.hpp>
#include <filesystem>
#include <string>
#include <vector>

#include "tests/deploy/kube_api.hpp"

namespace sb::deploytest {

std::filesystem::path source_dir();    // the repository root
std::filesystem::path examples_dir();         // the repository's examples/
std::filesystem::path shared_examples_dir();  // ../shared/examples beside the checkout (the design's originals), if present
std::filesystem::path helm_binary();   // installed by scripts/install-helm

std::vector<boost::json::value> load_yaml_file(const std::filesystem::path& file);

// Runs helm with the given arguments; returns its output, throws on failure.
std::string run_helm(const std::vector<std::string>& args);

// The shared control plane with every CRD of deploy/crds applied, Established
// and served. Idempotent.
KubeApi& api_with_crds();

}  // namespace sb::deploytest
