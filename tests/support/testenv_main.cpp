// sb-testenv: starts the same local servers the integration tests use and
// keeps them running until interrupted. Used by scripts/dev-env.
#include <signal.h>

#include <CLI/CLI.hpp>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "tests/support/local_control_plane.hpp"
#include "tests/support/local_postgres.hpp"

namespace {

void wait_for_termination() {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGHUP);
    int sig = 0;
    sigwait(&set, &sig);
}

void block_termination_signals() {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"Local test servers for ShapeBlock development"};
    app.require_subcommand(1);
    std::string kubeconfig_out, env_out;
    bool no_controller_manager = false;
    auto* kube = app.add_subcommand("kube", "etcd + kube-apiserver + kube-controller-manager on loopback");
    kube->add_option("--kubeconfig-out", kubeconfig_out, "copy the admin kubeconfig here");
    kube->add_flag("--no-controller-manager", no_controller_manager);
    auto* pg = app.add_subcommand("postgres", "a throwaway PostgreSQL server");
    for (auto* sub : {kube, pg}) sub->add_option("--env-out", env_out, "write shell variables describing it here");
    CLI11_PARSE(app, argc, argv);

    block_termination_signals();
    try {
        std::string env;
        std::unique_ptr<sb::testenv::LocalControlPlane> cp;
        std::unique_ptr<sb::testenv::LocalPostgres> pgs;
        if (kube->parsed()) {
            cp = std::make_unique<sb::testenv::LocalControlPlane>(
                sb::testenv::ControlPlaneOptions{.controller_manager = !no_controller_manager});
            if (!kubeconfig_out.empty())
                std::filesystem::copy_file(cp->admin_kubeconfig(), kubeconfig_out,
                                           std::filesystem::copy_options::overwrite_existing);
            env = "KUBECONFIG=" + (kubeconfig_out.empty() ? cp->admin_kubeconfig().string() : kubeconfig_out) +
                  "\nSB_KUBE_SERVER=" + cp->server_url() + "\nSB_KUBE_USER_KUBECONFIG=" +
                  cp->user_kubeconfig().string() + "\n";
        } else {
            pgs = std::make_unique<sb::testenv::LocalPostgres>();
            env = "SB_DATABASE_URL=" + pgs->url() + "\n";
        }
        if (!env_out.empty()) std::ofstream(env_out) << env;
        std::cout << env << "ready (Ctrl-C stops and removes everything)" << std::endl;
        wait_for_termination();
    } catch (const std::exception& e) {
        std::cerr << "sb-testenv: " << e.what() << "\n";
        return 1;
    }
    return 0;
}
