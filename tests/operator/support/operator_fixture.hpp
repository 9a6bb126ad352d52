#pragma once
// What the operator's integration tests share: a synchronous face on the
// async client, the CRDs from deploy/crds, a ServiceAccount bound to the
// chart's RBAC (the operator runs with its token, never as admin), and the
// operator binary as a child process.
#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/json/object.hpp>
#include <chrono>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/child_process.hpp"
#include "kube/client.hpp"
#include "tests/support/local_control_plane.hpp"

namespace sb::optest {

namespace json = boost::json;

// A Client on its own io_context thread, with blocking calls for tests.
class SyncKube {
public:
    explicit SyncKube(const std::filesystem::path& kubeconfig);
    ~SyncKube();

    template <typename T>
    T run(boost::asio::awaitable<T> task) {
        return boost::asio::co_spawn(io_, std::move(task), boost::asio::use_future).get();
    }

    json::object get(const kube::ResourceRef& r, const std::string& ns, const std::string& name);
    std::optional<json::object> try_get(const kube::ResourceRef& r, const std::string& ns, const std::string& name);
    std::vector<json::object> list(const kube::ResourceRef& r, const std::string& ns, const std::string& labels = {});
    json::object create(const kube::ResourceRef& r, json::object obj);
    json::object apply(const kube::ResourceRef& r, const json::object& obj);
    json::object merge_patch(const kube::ResourceRef& r, const std::string& ns, const std::string& name,
                             const json::value& patch);
    void remove(const kube::ResourceRef& r, const std::string& ns, const std::string& name);
    kube::Client& client() { return *client_; }

private:
    boost::asio::io_context io_;
    boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_;
    std::optional<kube::Client> client_;
    std::thread thread_;
};

// Polls `check` every 100 ms until it returns true or `timeout` passes.
bool eventually(const std::function<bool()>& check, std::chrono::milliseconds timeout = std::chrono::seconds(30));

// Applies deploy/crds/*.yaml (read with yaml-cpp) and waits until they are Established.
void install_crds_from_source(SyncKube& kube);

// The `shapeblock` namespace and its registry secret (a docker config).
void create_registry_secret(SyncKube& kube, const std::string& registry_auth = "e30=");

// ServiceAccount shapeblock/shapeblock-operator bound to the chart's
// ClusterRole and leader-election Role; returns a kubeconfig with its token
// (the controller-manager's token controller writes the SA's token Secret).
std::filesystem::path operator_service_account_kubeconfig(SyncKube& admin, const testenv::LocalControlPlane& cp,
                                                          const std::filesystem::path& dir);

// The operator binary with a kubeconfig; extra flags appended.
class OperatorProcess {
public:
    OperatorProcess(std::filesystem::path kubeconfig, std::filesystem::path log_file, std::vector<std::string> extra = {});
    void start();
    void stop() { process_.stop(); }
    void kill_hard() { process_.kill_hard(); }
    bool running() { return process_.running(); }
    pid_t pid() const { return process_.pid(); }
    std::string log() const;  // the whole log file, every run so far
    // VmRSS of the running process in KiB.
    long rss_kib() const;
    // The port of /metrics /healthz /readyz, read from the current run's log (0 when not yet logged).
    int health_port() const;

private:
    std::filesystem::path kubeconfig_, log_file_;
    std::vector<std::string> extra_;
    testenv::ChildProcess process_;
    int runs_ = 0;
};

// A plain HTTP/1.0 GET on 127.0.0.1:port; returns the whole response (status line, headers, body).
std::string http_get(int port, const std::string& path);

std::string project_json(const std::string& name, const std::string& extra_spec = "");

}  // namespace sb::optest
