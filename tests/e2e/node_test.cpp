// The real node itself: pods really run, serve HTTP on their IP, and an
// in-pod buildah build pushes to the local registry and runs.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "tests/e2e/support/git_server.hpp"
#include "tests/e2e/support/helm_controller.hpp"
#include "tests/e2e/support/pods.hpp"
#include "tests/e2e/support/real_node.hpp"
#include "tests/support/scratch.hpp"
#include "tests/e2e/support/test_app.hpp"

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
    static void TearDownTestSuite() { git_server.reset(); }
    RealNode& node() { return RealNode::shared(); }
    GitServer& git() {
        if (!git_server) git_server = std::make_unique<GitServer>(node().work_dir() / "git", node().bridge_address());
        return *git_server;
    }
    static std::unique_ptr<GitServer> git_server;
};
std::unique_ptr<GitServer> RealNodeTest::git_server;

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

// What an AppBuild's Job does, by hand: clone from the test git server in
// an init container, build with buildah in the pod, push to the registry;
// then a second pod runs the result.
TEST_F(RealNodeTest, InPodBuildahBuildOfTheTestRepositoryPushesAndRuns) {
    auto api = node().api();
    create_namespace(api, "e2e-build");
    git().create_repository("app", GitServer::Access::public_);
    const std::string commit =
        git().commit("app", test_app_files(node().base_image_in_registry(), "version-one"), "first version");
    const std::string image = node().registry() + "/e2e-build/app:" + commit.substr(0, 12);

    json::object clone = busybox_container(
        "clone", node().images().git.reference,
        "set -e; git clone -q --depth 1 " + git().url("app") + " /workspace/src && git -C /workspace/src rev-parse HEAD");
    clone["securityContext"] = json::object{{"runAsUser", 1000}};
    clone["env"] = json::array{json::object{{"name", "HOME"}, {"value", "/workspace"}}};
    clone["volumeMounts"] = json::array{json::object{{"name", "workspace"}, {"mountPath", "/workspace"}}};
    json::object build = busybox_container(
        "build", node().images().buildah.reference,
        "set -e; buildah build --storage-driver vfs --tls-verify=false -t " + image + " /workspace/src && "
        "buildah push --storage-driver vfs --tls-verify=false " + image);
    build["volumeMounts"] = json::array{json::object{{"name", "workspace"}, {"mountPath", "/workspace"}}};
    json::object build_pod = pod_object("build", json::array{build},
                                        json::object{{"restartPolicy", "Never"},
                                                     {"initContainers", json::array{clone}},
                                                     {"volumes", json::array{json::object{
                                                                     {"name", "workspace"}, {"emptyDir", json::object{}}}}}});
    create_pod(api, "e2e-build", build_pod);
    wait_pod_phase(api, "e2e-build", "build", "Succeeded", 300s);
    EXPECT_EQ(pod_logs(api, "e2e-build", "build", "clone"), commit + "\n");

    create_pod(api, "e2e-build", pod_object("app", json::array{json::object{{"name", "app"}, {"image", image}}}));
    EXPECT_EQ(http_get_pod(api, "e2e-build", "app", kTestAppPort), "version-one\n");
}

// The private-repository path: a clone over SSH with a key the git server
// authorises, as a non-root user, from a Secret.
TEST_F(RealNodeTest, CloneOverSshWithAnAuthorisedKey) {
    auto api = node().api();
    create_namespace(api, "e2e-ssh");
    git().create_repository("private-app", GitServer::Access::private_);
    const std::string commit = git().commit("private-app", {{"secret.txt", "only-with-the-key\n"}}, "private");
    const auto key_file = node().work_dir() / "deploy-key";
    testenv::run_command({"ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", key_file.string()});
    git().authorize(testenv::read_file(key_file.string() + ".pub"));
    api.create("/api/v1/namespaces/e2e-ssh/secrets",
               json::object{{"apiVersion", "v1"},
                            {"kind", "Secret"},
                            {"metadata", json::object{{"name", "deploy-key"}}},
                            {"stringData", json::object{{"ssh-privatekey", testenv::read_file(key_file)},
                                                        {"known_hosts", git().known_hosts_line() + "\n"}}}});
    json::object clone = busybox_container(
        "clone", node().images().git.reference,
        "set -e; cp /keys/ssh-privatekey $HOME/key && chmod 600 $HOME/key && "
        "GIT_SSH_COMMAND=\"ssh -i $HOME/key -o IdentitiesOnly=yes -o UserKnownHostsFile=/keys/known_hosts\" "
        "git clone -q " + git().url("private-app") + " $HOME/src && cat $HOME/src/secret.txt");
    clone["securityContext"] = json::object{{"runAsUser", 1000}};
    clone["env"] = json::array{json::object{{"name", "HOME"}, {"value", "/tmp"}}};
    clone["volumeMounts"] = json::array{json::object{{"name", "keys"}, {"mountPath", "/keys"}}};
    create_pod(api, "e2e-ssh",
               pod_object("clone", json::array{clone},
                          json::object{{"restartPolicy", "Never"},
                                       {"volumes", json::array{json::object{
                                                       {"name", "keys"},
                                                       {"secret", json::object{{"secretName", "deploy-key"},
                                                                               {"defaultMode", 0444}}}}}}}));
    wait_pod_phase(api, "e2e-ssh", "clone", "Succeeded", 120s);
    EXPECT_EQ(pod_logs(api, "e2e-ssh", "clone"), "only-with-the-key\n");
}

// The helm-controller stand-in installs a HelmChart with the mirror chart
// (the app answers HTTP) and uninstalls it when the HelmChart is deleted.
TEST_F(RealNodeTest, HelmControllerStandInInstallsAndUninstallsHelmCharts) {
    HelmControllerStandIn helm_controller(node());
    auto api = node().api();
    create_namespace(api, "e2e-helm");
    // The app image, built on the host (inside the namespace) and pushed.
    const auto context = node().work_dir() / "helm-app";
    std::filesystem::create_directories(context);
    for (const auto& [path, content] : test_app_files(node().base_image_in_registry(), "installed-by-helm"))
        testenv::write_file(context / path, content);
    const std::string repository = node().registry() + "/e2e-helm/app";
    testenv::run_command(buildah_command(node().buildah_root(),
                                         {"build", "-q", "--tls-verify=false", "-t", repository + ":v1", context.string()}));
    testenv::run_command(buildah_command(node().buildah_root(), {"push", "-q", "--tls-verify=false", repository + ":v1"}));

    json::object values{
        {"defaultImage", repository},
        {"defaultImageTag", "v1"},
        {"deployments",
         json::object{{"web", json::object{{"containers", json::array{json::object{
                                                              {"name", "app"},
                                                              {"ports", json::array{json::object{
                                                                            {"name", "http"},
                                                                            {"containerPort", kTestAppPort}}}}}}}}}}}};
    api.create("/apis/helm.cattle.io/v1/namespaces/e2e-helm/helmcharts",
               json::object{{"apiVersion", "helm.cattle.io/v1"},
                            {"kind", "HelmChart"},
                            {"metadata", json::object{{"name", "site"}}},
                            {"spec", json::object{{"chart", "nxs-universal-chart"},
                                                  {"targetNamespace", "e2e-helm"},
                                                  {"valuesContent", json::serialize(values)}}}});
    const std::string pod = wait_running_pod(api, "e2e-helm", "app.kubernetes.io%2Finstance%3Dsite", 120s);
    EXPECT_EQ(http_get_pod(api, "e2e-helm", pod, kTestAppPort), "installed-by-helm\n");

    api.remove("/apis/helm.cattle.io/v1/namespaces/e2e-helm/helmcharts/site");
    wait_until("helm uninstall to remove the Deployment and the HelmChart", 60s, [&] {
        return !api.try_get("/apis/apps/v1/namespaces/e2e-helm/deployments/site-web") &&
               !api.try_get("/apis/helm.cattle.io/v1/namespaces/e2e-helm/helmcharts/site");
    }, [&] { return helm_controller.log_tail(); });
}

}  // namespace
}  // namespace sb::e2e
