#include "tests/e2e/support/operator_process.hpp"

#include <fstream>
#include <sstream>

#include "tests/support/scratch.hpp"

namespace sb::e2e {
using namespace std::chrono_literals;

namespace {

long status_field_kb(pid_t pid, const std::string& field) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/status");
    for (std::string line; std::getline(in, line);)
        if (line.rfind(field + ":", 0) == 0) return std::stol(line.substr(field.size() + 1));
    return 0;
}

}  // namespace

OperatorProcess::OperatorProcess(RealNode& node, std::string binary, std::vector<std::string> extra_args,
                                 std::map<std::string, std::string> env)
    : node_(node), binary_(std::move(binary)), env_(std::move(env)) {
    args_ = {binary_,
             "--kubeconfig=" + node_.control_plane().admin_kubeconfig().string(),
             "--install-crds=true",
             "--leader-elect=false",
             // /metrics and probes on a free loopback port of the namespace.
             "--metrics-address=127.0.0.1:" + std::to_string(testenv::free_port()),
             "--log-format=text",
             "--log-level=debug",
             "--dockerfile-builder=buildah",
             "--git-image=" + node_.images().git.reference,
             "--buildah-image=" + node_.images().buildah.reference,
             "--default-registry=" + node_.registry(),
             // The node's registry speaks plain HTTP.
             "--insecure-registries=" + node_.registry()};
    args_.insert(args_.end(), extra_args.begin(), extra_args.end());
    start();
}

void OperatorProcess::start() {
    process_.stop();
    process_ = testenv::ChildProcess({args_, (node_.work_dir() / "operator.log").string(), env_});
}

long OperatorProcess::rss_kb() const { return status_field_kb(process_.pid(), "VmRSS"); }
long OperatorProcess::peak_rss_kb() const { return status_field_kb(process_.pid(), "VmHWM"); }

}  // namespace sb::e2e
