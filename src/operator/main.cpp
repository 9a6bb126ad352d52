// shapeblock-operator: runs the ShapeBlock controllers in a cluster.
#include <unistd.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <cstdio>
#include <exception>
#include <random>

#include "operator/app/app_reconciler.hpp"
#include "operator/app/certificate_api.hpp"
#include "operator/appbuild/build_log_command.hpp"
#include "operator/source/fetch_source_command.hpp"
#include "common/log.hpp"
#include "kube/config.hpp"
#include "kube/errors.hpp"
#include "operator/common/crd_install.hpp"
#include "operator/appbuild/appbuild_reconciler.hpp"
#include "operator/service/service_reconciler.hpp"
#include "operator/agent/agent_link.hpp"
#include "kube/manager.hpp"
#include "operator/common/operator_config.hpp"
#include "operator/project/project_reconciler.hpp"

namespace {

using sb::op::OperatorConfig;

// Every controller of the operator is registered here.
void add_controllers(sb::kube::Manager& manager, const OperatorConfig& config, bool certificate_api) {
    sb::op::add_project_controller(manager, config);
    sb::op::add_app_controller(manager, config, certificate_api);
    sb::op::appbuild::add_appbuild_controller(manager, config);
    sb::op::service::add_service_controller(manager, config);
}

sb::kube::ClusterConfig cluster_config(const OperatorConfig& config) {
    auto cluster = config.kubeconfig.empty() ? sb::kube::load_default_config(config.context)
                                             : sb::kube::load_kubeconfig({config.kubeconfig}, config.context);
    cluster.qps = config.api_qps;
    cluster.burst = config.api_burst;
    cluster.user_agent = "shapeblock-operator/0.1";
    return cluster;
}

std::string default_identity() {
    char host[256] = {};
    ::gethostname(host, sizeof host - 1);
    std::random_device rd;
    return std::string(host) + "-" + std::to_string(::getpid()) + "-" + std::to_string(rd() % 100000);
}

// The Lease lives in the operator's own namespace, which a Helm install
// creates; on a fresh development cluster (scripts/run) it may not exist yet.
boost::asio::awaitable<void> ensure_lease_namespace(sb::kube::Client& client, const OperatorConfig& config) {
    if (!config.leader_elect) co_return;
    bool missing = false;
    try {
        co_await client.get(sb::kube::resources::namespaces, "", config.lease_namespace);
    } catch (const sb::kube::ApiError& e) {
        if (!sb::kube::is_not_found(e)) throw;
        missing = true;
    }
    if (!missing) co_return;
    boost::json::object ns{{"apiVersion", "v1"}, {"kind", "Namespace"}};
    ns["metadata"] = boost::json::object{{"name", config.lease_namespace}};
    try {
        co_await client.create(sb::kube::resources::namespaces, std::move(ns));
        sb::log::info("lease namespace created", {{"namespace", boost::json::value(config.lease_namespace)}});
    } catch (const sb::kube::ApiError& e) {
        if (!sb::kube::is_already_exists(e)) throw;
    }
}

sb::op::agent::AgentLinkOptions agent_link_options(const OperatorConfig& config) {
    sb::op::agent::AgentLinkOptions options;
    options.server_url = config.server_url;
    options.token = config.agent_token;
    options.ca_file = config.server_ca_file;
    options.cluster_id = config.cluster_id;
    options.operator_version = SB_VERSION;
    options.sources = {config.default_registry, config.registry_secret_name,
                       {config.insecure_registries.begin(), config.insecure_registries.end()}};
    return options;
}

sb::kube::ManagerOptions manager_options(const OperatorConfig& config) {
    sb::kube::ManagerOptions options;
    if (config.metrics_address.empty()) {
        options.health_port = -1;
    } else {
        auto colon = config.metrics_address.rfind(':');
        options.health_address = config.metrics_address.substr(0, colon);
        if (options.health_address.empty()) options.health_address = "0.0.0.0";
        options.health_port = *sb::op::metrics_port(config.metrics_address);  // validated
    }
    if (config.leader_elect) {
        options.leader_election = sb::kube::LeaderElectionConfig{
            .lease_namespace = config.lease_namespace,
            .lease_name = config.lease_name,
            .identity = config.identity.empty() ? default_identity() : config.identity,
        };
    }
    return options;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc > 1 && std::string_view(argv[1]) == "build-log") return sb::op::run_build_log_command(argc - 1, argv + 1);
    if (argc > 1 && std::string_view(argv[1]) == "fetch-source") return sb::op::source::run_fetch_source_command(argc - 1, argv + 1);
    OperatorConfig config;
    try {
        int exit_code = 0;
        if (!sb::op::parse_operator_config(argc, argv, config, exit_code)) return exit_code;
        sb::log::set_level(sb::log::parse_level(config.log_level));
        sb::log::set_format(config.log_format == "text" ? sb::log::Format::text : sb::log::Format::json);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "shapeblock-operator: %s\n", e.what());
        return 2;
    }

    try {
        boost::asio::io_context io;
        sb::kube::Client client(io.get_executor(), cluster_config(config));
        sb::kube::Manager manager(client, manager_options(config));
        // Which informers exist is settled before the controllers are built.
        bool certificate_api = false;
        boost::asio::co_spawn(
            io, [&]() -> boost::asio::awaitable<void> { certificate_api = co_await sb::op::certificate_api_served(client); },
            boost::asio::detached);
        io.run();
        io.restart();
        add_controllers(manager, config, certificate_api);
        // The link starts once the caches are synced and this replica leads:
        // a standby replica stays silent, and the first snapshot is complete.
        std::unique_ptr<sb::op::agent::AgentLink> agent_link;
        if (!config.server_url.empty()) {
            agent_link = std::make_unique<sb::op::agent::AgentLink>(manager, agent_link_options(config));
            manager.add_runnable([&agent_link](std::stop_token stop) { return agent_link->run(stop); });
        }

        std::exception_ptr failure;
        boost::asio::co_spawn(
            io,
            [&]() -> boost::asio::awaitable<void> {
                if (config.install_crds) co_await sb::op::install_crds(client);
                co_await ensure_lease_namespace(client, config);
                sb::log::info("operator starting", {{"registrySecret", boost::json::value(config.registry_secret_name)},
                                                    {"leaderElect", boost::json::value(config.leader_elect)},
                                                    {"workers", boost::json::value(config.concurrency)}});
                co_await manager.run();
            },
            [&](std::exception_ptr e) {
                failure = e;
                io.stop();
            });
        io.run();
        if (failure) std::rethrow_exception(failure);
        sb::log::info("operator stopped");
        return 0;
    } catch (const sb::kube::LeadershipLostError& e) {
        sb::log::error("leadership lost, exiting", {{"error", boost::json::value(e.what())}});
        return 1;
    } catch (const std::exception& e) {
        sb::log::error("operator failed", {{"error", boost::json::value(e.what())}});
        return 1;
    }
}
