#pragma once
// Runs the real shapeblock-server binary for the e2e tests: SQLite in a
// directory of its own, the administrator's password from
// SB_ADMIN_PASSWORD, plain HTTP on a free loopback port of the calling
// process's network namespace (the node's, so an operator started there
// reaches it at 127.0.0.1). The tests then act only through its API.
#include <filesystem>
#include <string>

#include "tests/server/api_client.hpp"
#include "tests/support/child_process.hpp"

namespace sb::e2e {

class ServerProcess {
public:
    ServerProcess(std::string binary, const std::filesystem::path& data_dir);
    ~ServerProcess() { process_.stop(); }
    ServerProcess(const ServerProcess&) = delete;
    ServerProcess& operator=(const ServerProcess&) = delete;

    int port() const { return port_; }
    std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
    bool running() { return process_.running(); }
    std::string log_tail(std::size_t bytes = 6000) const { return process_.log_tail(bytes); }
    const std::string& admin_password() const { return admin_password_; }
    // A client signed in as the administrator with a new API token (Bearer).
    server::testing::ApiClient admin() const;

private:
    int port_;
    std::string admin_password_;
    testenv::ChildProcess process_;
};

}  // namespace sb::e2e
