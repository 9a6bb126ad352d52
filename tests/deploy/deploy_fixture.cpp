#include "tests/deploy/deploy_fixture.hpp"

#include <algorithm>
#include <chrono>
#include <mutex>
#include <stdexcept>
#include <thread>

#include "tests/support/child_process.hpp"
#include "tests/support/local_control_plane.hpp"
#include "tests/support/scratch.hpp"
#include "tests/deploy/json_match.hpp"

namespace sb::deploytest {
namespace fs = std::filesystem;
namespace json = boost::json;

fs::path source_dir() { return SB_SOURCE_DIR; }
fs::path examples_dir() { return SB_EXAMPLES_DIR; }
fs::path shared_examples_dir() { return SB_SHARED_EXAMPLES_DIR; }

fs::path helm_binary() {
    static const fs::path helm = [] {
        auto out = testenv::run_command({"bash", (source_dir() / "scripts/install-helm").string()});
        while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
        auto last_line = out.substr(out.find_last_of('\n') == std::string::npos ? 0 : out.find_last_of('\n') + 1);
        if (!fs::exists(last_line)) throw std::runtime_error("install-helm printed no helm path: " + out);
        return fs::path(last_line);
    }();
    return helm;
}

std::vector<json::value> load_yaml_file(const fs::path& file) {
    return yaml_documents_to_json(testenv::read_file(file));
}

std::string run_helm(const std::vector<std::string>& args) {
    std::vector<std::string> argv{helm_binary().string()};
    argv.insert(argv.end(), args.begin(), args.end());
    return testenv::run_command(argv);
}

KubeApi& api_with_crds() {
    static KubeApi api(testenv::LocalControlPlane::shared());
    static std::once_flag installed;
    std::call_once(installed, [] {
        std::vector<fs::path> files;
        for (const auto& entry : fs::directory_iterator(source_dir() / "deploy/crds")) files.push_back(entry.path());
        std::sort(files.begin(), files.end());
        for (const auto& file : files) {
            for (const auto& crd : load_yaml_file(file)) {
                auto response = api.apply(crd);
                if (response.status != 200 && response.status != 201)
                    throw std::runtime_error(file.string() + " refused: " + response.body);
                const auto name = std::string(crd.at("metadata").at("name").as_string());
                api.wait_crd_established(name);
                // Established can precede the handler serving the resource by a moment.
                const auto& spec = crd.at("spec");
                const std::string list = "/apis/" + std::string(spec.at("group").as_string()) + "/v1alpha1/" +
                                         std::string(spec.at("names").at("plural").as_string());
                for (int i = 0; i < 100 && api.call("GET", list).status != 200; ++i)
                    std::this_thread::sleep_for(std::chrono::milliseconds(100));
            }
        }
    });
    return api;
}

}  // namespace sb::deploytest
