#include "operator/appbuild/build_log_command.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <CLI/CLI.hpp>
#include <cstdio>
#include <string>

#include "operator/appbuild/build_log.hpp"
#include "kube/config.hpp"
#include "kube/errors.hpp"

namespace sb::op {

int run_build_log_command(int argc, char** argv) {
    CLI::App app{"shapeblock-operator build-log: print the log of an AppBuild (clone and build steps)"};
    app.name("shapeblock-operator build-log");
    std::string target, kubeconfig, context;
    app.add_option("build", target, "<namespace>/<appbuild>")->required();
    app.add_option("--kubeconfig", kubeconfig, "kubeconfig file (default: in-cluster, else KUBECONFIG / ~/.kube/config)")
        ->envname("SB_OPERATOR_KUBECONFIG");
    app.add_option("--context", context, "kubeconfig context");
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return app.exit(e);
    }
    const auto slash = target.find('/');
    if (slash == std::string::npos || slash == 0 || slash + 1 == target.size() || target.find('/', slash + 1) != std::string::npos) {
        std::fprintf(stderr, "shapeblock-operator build-log: expected <namespace>/<appbuild>, got '%s'\n", target.c_str());
        return 2;
    }
    try {
        auto cluster = kubeconfig.empty() ? kube::load_default_config(context) : kube::load_kubeconfig({kubeconfig}, context);
        cluster.user_agent = "shapeblock-operator/0.1 build-log";
        boost::asio::io_context io;
        kube::Client client(io.get_executor(), cluster);
        auto log = boost::asio::co_spawn(io, appbuild::fetch_build_log(client, target.substr(0, slash), target.substr(slash + 1)),
                                         boost::asio::use_future);
        io.run();
        const auto text = log.get();
        std::fwrite(text.data(), 1, text.size(), stdout);
        return 0;
    } catch (const appbuild::BuildLogError& e) {
        std::fprintf(stderr, "shapeblock-operator build-log: %s\n", e.what());
        return 1;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "shapeblock-operator build-log: %s\n", e.what());
        return 1;
    }
}

}  // namespace sb::op
