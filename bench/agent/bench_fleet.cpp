#include "bench/agent/bench_fleet.hpp"

#include <boost/json/object.hpp>

#include <fstream>
#include <sstream>
#include <stdexcept>

namespace sb::bench {
namespace json = boost::json;

namespace {

std::vector<std::pair<std::string, std::string>> read_tokens(const std::string& path, int wanted) {
    std::ifstream in(path);
    if (!in) throw std::runtime_error("--tokens: cannot read " + path);
    std::vector<std::pair<std::string, std::string>> tokens;
    for (std::string line; std::getline(in, line) && static_cast<int>(tokens.size()) < wanted;) {
        std::istringstream fields(line);
        std::string id, token;
        if (!(fields >> id >> token)) continue;
        tokens.emplace_back(id, token);
    }
    if (static_cast<int>(tokens.size()) < wanted)
        throw std::runtime_error("--tokens: " + path + " holds " + std::to_string(tokens.size()) + " clusters, " +
                                 std::to_string(wanted) + " wanted");
    return tokens;
}

std::string id_of(const json::value& v) { return std::string(v.at("id").as_string()); }

}  // namespace

std::vector<FleetMember> prepare_fleet(const RestClient& api, const std::string& team, int clusters,
                                       const std::string& tokens_file, const std::string& run_tag) {
    const std::string base = "/api/v1/teams/" + team;
    std::vector<std::pair<std::string, std::string>> tokens;
    if (!tokens_file.empty()) {
        tokens = read_tokens(tokens_file, clusters);
    } else {
        for (int i = 0; i < clusters; ++i) {
            auto c = api.call("POST", base + "/clusters",
                              json::object{{"name", "bench-" + run_tag + "-" + std::to_string(i)}});
            tokens.emplace_back(id_of(c), std::string(c.at("agentToken").as_string()));
        }
    }
    std::vector<FleetMember> fleet;
    for (int i = 0; i < clusters; ++i) {
        FleetMember m;
        m.cluster_id = tokens[i].first;
        m.agent_token = tokens[i].second;
        m.project_name = "b" + run_tag + "-" + std::to_string(i);
        auto project = api.call("POST", base + "/projects",
                                json::object{{"name", m.project_name}, {"clusterId", m.cluster_id}});
        auto project_path = base + "/projects/" + id_of(project);
        auto app = api.call("POST", project_path + "/apps",
                            json::object{{"name", "web"}, {"git", {{"url", "https://example.test/web.git"}}}});
        auto build = api.call("POST", project_path + "/apps/" + id_of(app) + "/builds", json::object{});
        m.build_id = id_of(build);
        fleet.push_back(std::move(m));
    }
    return fleet;
}

}  // namespace sb::bench
