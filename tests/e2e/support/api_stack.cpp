#include "tests/e2e/support/api_stack.hpp"

#include <boost/json.hpp>

#include "tests/e2e/support/kube_api.hpp"
#include "tests/e2e/support/pods.hpp"

namespace sb::e2e {
namespace json = boost::json;

json::value json_of(const server::testing::HttpResult& r, int expected_status, const std::string& what) {
    if (r.status != expected_status)
        throw std::runtime_error(what + ": HTTP " + std::to_string(r.status) + " (expected " + std::to_string(expected_status) +
                                 "): " + r.body);
    return r.body.empty() ? json::value(nullptr) : r.json();
}

ApiStack::ApiStack(const std::string& name, const std::string& server_binary, const std::string& operator_binary, bool uploads) {
    auto& node = RealNode::shared();
    git_ = std::make_unique<GitServer>(node.work_dir() / ("git-" + name), node.bridge_address());
    helm_ = std::make_unique<HelmControllerStandIn>(node);
    install_registry_credentials(node.api());
    server_ = std::make_unique<ServerProcess>(server_binary, node.work_dir() / ("server-" + name));
    admin_ = std::make_unique<server::testing::ApiClient>(server_->admin());
    team_ = string_at(json_of(admin_->get("/api/v1/teams"), 200, "listing teams").at("items").at(0), {"id"});
    const auto registered =
        json_of(admin_->post(team_path() + "/clusters", json::object{{"name", "e2e-" + name}}), 201, "registering the cluster");
    cluster_ = string_at(registered, {"id"});
    std::vector<std::string> flags{"--server-url=" + server_->url(), "--cluster-id=" + cluster_};
    if (uploads) flags.push_back("--source-image=" + node.operator_image(operator_binary));
    operator_ = std::make_unique<OperatorProcess>(
        node, operator_binary, std::move(flags),
        std::map<std::string, std::string>{{"SB_OPERATOR_AGENT_TOKEN", string_at(registered, {"agentToken"})}});
}

// The operator goes before the server it talks to, the stand-ins last.
ApiStack::~ApiStack() {
    operator_.reset();
    server_.reset();
    helm_.reset();
    git_.reset();
    admin_.reset();
}

void ApiStack::wait_connected(std::chrono::seconds timeout) {
    wait_until("the cluster to be connected", timeout, [&] {
        if (!operator_->running()) throw WaitAborted("shapeblock-operator exited:" + describe());
        return string_at(json_of(admin_->get(team_path() + "/clusters/" + cluster_), 200, "cluster"), {"state"}) == "connected";
    });
}

std::string ApiStack::describe() const {
    return "\noperator log:\n" + operator_->log_tail(4000) + "\nserver log:\n" + server_->log_tail(4000);
}

}  // namespace sb::e2e
