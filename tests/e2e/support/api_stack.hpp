#pragma once
// The whole product on the real node for tests that drive it through the
// REST API only: a git server, the helm-controller stand-in, the real
// shapeblock-server, the node registered as a cluster and the real operator
// connected to it with its agent token.
#include <boost/json/value.hpp>
#include <chrono>
#include <memory>
#include <string>

#include "tests/e2e/support/git_server.hpp"
#include "tests/e2e/support/helm_controller.hpp"
#include "tests/e2e/support/operator_process.hpp"
#include "tests/e2e/support/real_node.hpp"
#include "tests/e2e/support/server_process.hpp"

namespace sb::e2e {

// The body of an answer expected to have `expected_status`; throws naming
// `what`, the status and the body otherwise.
boost::json::value json_of(const server::testing::HttpResult& r, int expected_status, const std::string& what);

class ApiStack {
public:
    // `name` keeps this test's directories and cluster apart from others'.
    // `uploads`: builds of uploaded sources run (the operator's own image is
    // made and imported, and given to it as --source-image).
    ApiStack(const std::string& name, const std::string& server_binary, const std::string& operator_binary, bool uploads = false);
    ~ApiStack();

    GitServer& git() { return *git_; }
    ServerProcess& server() { return *server_; }
    server::testing::ApiClient& admin() { return *admin_; }
    OperatorProcess& operator_process() { return *operator_; }
    const std::string& team() const { return team_; }
    const std::string& cluster() const { return cluster_; }
    std::string team_path() const { return "/api/v1/teams/" + team_; }

    // Waits until the server reports the cluster connected.
    void wait_connected(std::chrono::seconds timeout);
    // Both processes' log tails, for failure messages.
    std::string describe() const;

private:
    std::unique_ptr<GitServer> git_;
    std::unique_ptr<HelmControllerStandIn> helm_;
    std::unique_ptr<ServerProcess> server_;
    std::unique_ptr<server::testing::ApiClient> admin_;
    std::unique_ptr<OperatorProcess> operator_;
    std::string team_, cluster_;
};

}  // namespace sb::e2e
