#pragma once
// Helpers for libkube integration tests: drive coroutines to completion on
// a test-owned io_context, and build clients for the harness control plane.
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/json.hpp>
#include <chrono>
#include <future>
#include <stdexcept>
#include <string>

#include "kube/client.hpp"
#include "tests/support/local_control_plane.hpp"

namespace sb::kube::testing {

// Runs io until the task finishes (other coroutines on io keep running
// meanwhile) and returns its result or rethrows its exception.
template <typename T>
T run(boost::asio::io_context& io, Task<T> task, std::chrono::seconds limit = std::chrono::seconds(120)) {
    auto future = boost::asio::co_spawn(io, std::move(task), boost::asio::use_future);
    auto deadline = std::chrono::steady_clock::now() + limit;
    while (future.wait_for(std::chrono::seconds(0)) != std::future_status::ready) {
        if (std::chrono::steady_clock::now() > deadline) throw std::runtime_error("test task timed out");
        io.restart();
        io.run_for(std::chrono::milliseconds(20));
    }
    return future.get();
}

inline Task<void> sleep_for(std::chrono::milliseconds d) {
    boost::asio::steady_timer timer(co_await boost::asio::this_coro::executor, d);
    co_await timer.async_wait(boost::asio::use_awaitable);
}

inline ClusterConfig admin_config(const testenv::LocalControlPlane& cp) {
    auto cfg = load_kubeconfig({cp.admin_kubeconfig()});
    cfg.qps = 500;
    cfg.burst = 500;
    return cfg;
}

inline boost::json::object configmap(const std::string& ns, const std::string& name, boost::json::object data) {
    return {{"apiVersion", "v1"},
            {"kind", "ConfigMap"},
            {"metadata", {{"name", name}, {"namespace", ns}}},
            {"data", std::move(data)}};
}

inline boost::json::object configmap(const std::string& ns, const std::string& name) {
    boost::json::object data;
    data["k"] = "v";
    return configmap(ns, name, std::move(data));
}

inline boost::json::object namespace_object(const std::string& name) {
    return {{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", name}}}};
}

// (GCC 12 rejects nested JSON initializer lists inside coroutines: build objects in plain functions.)
inline Task<void> ensure_namespace(Client& client, const std::string& name) {
    try {
        co_await client.create(resources::namespaces, namespace_object(name));
    } catch (const ApiError& e) {
        if (!is_already_exists(e)) throw;
    }
}

}  // namespace sb::kube::testing
