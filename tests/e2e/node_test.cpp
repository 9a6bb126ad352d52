// The real node itself: pods really run, serve HTTP on their IP, and an
// in-pod buildah build pushes to the local registry and runs.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "pods.hpp"
#include "real_node.hpp"

namespace sb::e2e {
namespace {
namespace json = boost::json;
using namespace std::chrono_literals;

class RealNodeTest : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        auto& node = RealNode::shared();
        std::cout << "e2e node up in " << node.bring_up_time().count() << " ms" << std::endl;
    }
    RealNode& node() { return RealNode::shared(); }
};

json::object busybox_container(const std::string& name, const std::string& image, const std::string& script) {
    return json::object{{"name", name},
                        {"image", image},
                        {"imagePullPolicy", "IfNotPresent"},
                        {"command", json::array{"/bin/sh", "-c", script}}};
}

json::object pod_object(const std::string& name, json::array containers, json::object extra_spec = {}) {
    json::object spec{{"containers", std::move(containers)}, {"terminationGracePeriodSeconds", 1}};
    for (auto& [k, v] : extra_spec) spec[k] = v;
    return json::object{{"apiVersion", "v1"},
                        {"kind", "Pod"},
                        {"metadata", json::object{{"name", name}}},
                        {"spec", std::move(spec)}};
}

TEST_F(RealNodeTest, PodServesHttpOnItsIp) {
    auto api = node().api();
    create_namespace(api, "e2e-web");
    create_pod(api, "e2e-web",
               pod_object("web", json::array{busybox_container(
                                     "web", node().images().busybox.reference,
                                     "mkdir -p /www && echo hello-from-a-real-pod > /www/index.html && "
                                     "exec httpd -f -p 8080 -h /www")}));
    EXPECT_EQ(http_get_pod(api, "e2e-web", "web", 8080), "hello-from-a-real-pod\n");
}

TEST_F(RealNodeTest, InPodBuildahBuildPushesToTheRegistryAndTheResultRuns) {
    auto api = node().api();
    create_namespace(api, "e2e-build");
    const std::string image = node().registry() + "/e2e-build/app:v1";
    const std::string dockerfile = "FROM " + node().base_image_in_registry() +
                                   "\\nCOPY index.html /www/index.html\\nRUN echo run-step-ran > /www/run.txt\\n"
                                   "CMD busybox httpd -f -p 8080 -h /www\\n";
    const std::string script = "set -e; mkdir -p /var/tmp/ctx && cd /var/tmp/ctx && echo built-in-a-pod > index.html && "
                               "printf '" + dockerfile + "' > Dockerfile && "
                               "buildah build --storage-driver vfs --tls-verify=false -t " + image + " . && "
                               "buildah push --storage-driver vfs --tls-verify=false " + image;
    json::object build_pod = pod_object("build", json::array{busybox_container("build", node().images().buildah.reference, script)},
                                        json::object{{"restartPolicy", "Never"}});
    create_pod(api, "e2e-build", build_pod);
    wait_pod_phase(api, "e2e-build", "build", "Succeeded", 300s);

    json::object run_pod = pod_object("app", json::array{json::object{{"name", "app"}, {"image", image}}});
    create_pod(api, "e2e-build", run_pod);
    EXPECT_EQ(http_get_pod(api, "e2e-build", "app", 8080), "built-in-a-pod\n");
    EXPECT_EQ(http_get_pod(api, "e2e-build", "app", 8080, "/run.txt"), "run-step-ran\n");
}

}  // namespace
}  // namespace sb::e2e
