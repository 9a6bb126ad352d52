#pragma once
// The whole product on one machine for end-to-end tests: the local
// Kubernetes control plane, the real shapeblock-server (SQLite in a scratch
// directory) and the real shapeblock-operator, both as child processes, the
// operator's agent link passing through a TcpProxy that can cut it. Set up
// like scripts/run: the admin bootstraps with SB_ADMIN_PASSWORD, signs in,
// takes an API token, registers the cluster and hands its agent token to
// the operator. The tests talk to the server through the REST API and the
// event WebSocket only; they read the cluster to check what reached it and
// play the kubelet (there is none).
#include <boost/json/value.hpp>

#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "tests/server/api_client.hpp"
#include "tests/support/child_process.hpp"
#include "tests/support/scratch.hpp"
#include "tests/support/tcp_proxy.hpp"

namespace sb::stacktest {

using server::testing::ApiClient;
using server::testing::HttpResult;

struct StackOptions {
    std::vector<std::string> operator_flags;  // added to the operator's command line
};

class Stack {
public:
    // Starts the control plane (shared per process), the server and the operator, and waits until the cluster is connected.
    explicit Stack(StackOptions options = {});
    ~Stack();
    Stack(const Stack&) = delete;
    Stack& operator=(const Stack&) = delete;

    const ApiClient& api() const { return *api_; }
    int server_port() const { return server_port_; }
    const std::string& team() const { return team_; }
    const std::string& cluster_id() const { return cluster_id_; }
    testenv::TcpProxy& link_proxy() { return *proxy_; }

    // The server on the same data directory and port; start waits for /readyz.
    void start_server();
    void kill_server() { server_.kill_hard(); }
    void stop_server() { server_.stop(); }
    // The operator with the same flags and agent token.
    void start_operator();
    void kill_operator() { operator_.kill_hard(); }
    void stop_operator() { operator_.stop(); }

    // The cluster's state as the API shows it ("connected", "disconnected", ...).
    std::string cluster_state() const;
    bool wait_connected(std::chrono::seconds timeout) const;

    // Whether the current server and operator run, or how they ended ("" when running).
    std::string server_ended() { return server_.running() ? "" : "the server " + server_.how_it_ended(); }
    std::string operator_ended() { return operator_.running() ? "" : "the operator " + operator_.how_it_ended(); }

    // The tails of every server and operator log so far, for failure messages.
    std::string logs() const;

private:
    void bootstrap_api();

    StackOptions options_;
    testenv::ScratchDir dir_;
    std::filesystem::path data_dir_;
    int server_port_ = 0;
    int server_runs_ = 0, operator_runs_ = 0;
    testenv::ChildProcess server_, operator_;
    std::unique_ptr<testenv::TcpProxy> proxy_;
    std::unique_ptr<ApiClient> api_;
    std::string team_, cluster_id_, agent_token_;
};

// Waits until `check` holds, polling every 50 ms.
bool wait_until(const std::function<bool()>& check, std::chrono::milliseconds timeout);

// The JSON of a response, throwing with the body when the status is not `status`.
boost::json::value expect_json(const HttpResult& r, int status, const std::string& what);

}  // namespace sb::stacktest
