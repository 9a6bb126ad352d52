#pragma once
// Integration-test harness for the build/deploy/service controllers: the
// real control plane from sb_testsupport, the ShapeBlock CRDs (plus a
// stand-in HelmChart CRD), an in-process operator that can be stopped and
// started again, a synchronous client for the test, and the kubelet's part
// (writing Pod status).
#include <boost/asio/io_context.hpp>
#include <boost/json.hpp>
#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "operator/appbuild/appbuild_reconciler.hpp"
#include "kube/client.hpp"
#include "tests/support/local_control_plane.hpp"
#include "kube/manager.hpp"
#include "operator/service/service_reconciler.hpp"

namespace sb::op::testing {

kube::ClusterConfig admin_config();

// A synchronous view of the API for test code.
class SyncClient {
public:
    SyncClient();
    kube::Client& raw() { return client_; }
    boost::json::object get(const kube::ResourceRef& r, const std::string& ns, const std::string& name);
    std::optional<boost::json::object> try_get(const kube::ResourceRef& r, const std::string& ns, const std::string& name);
    std::vector<boost::json::object> list(const kube::ResourceRef& r, const std::string& ns, const std::string& selector = "");
    boost::json::object create(const kube::ResourceRef& r, boost::json::object obj);
    boost::json::object update_status(const kube::ResourceRef& r, boost::json::object obj);
    boost::json::object update(const kube::ResourceRef& r, boost::json::object obj);
    void remove(const kube::ResourceRef& r, const std::string& ns, const std::string& name);
    void create_namespace(const std::string& name);
    // The scheduler's part: binds the pod to a node.
    void bind_pod(const std::string& ns, const std::string& pod, const std::string& node);
    // Runs any client coroutine to completion (e.g. fetch_build_log).
    std::string run(kube::Task<std::string> task);

private:
    boost::asio::io_context io_;
    kube::Client client_;
};

// Installs the CRDs once per process and waits until they are served.
void install_crds(SyncClient& client);

// Polls until pred() is true; false on timeout.
bool eventually(const std::function<bool()>& pred, std::chrono::milliseconds timeout = std::chrono::seconds(30),
                std::chrono::milliseconds interval = std::chrono::milliseconds(25));

// The operator's build/deploy controllers in a thread of their own.
class OperatorUnderTest {
public:
    explicit OperatorUnderTest(appbuild::AppBuildSettings settings);
    ~OperatorUnderTest();
    void start();
    void stop();
    // CPU time used by the operator's thread so far (seconds).
    double cpu_seconds() const;

private:
    appbuild::AppBuildSettings settings_;
    std::unique_ptr<boost::asio::io_context> io_;
    std::unique_ptr<kube::Manager> manager_;
    std::thread thread_;
    std::shared_ptr<std::atomic<bool>> finished_;
};

// Object builders.
boost::json::object app_object(const std::string& ns, const std::string& name, const std::string& type = "dockerfile");
boost::json::object appbuild_object(const std::string& ns, const std::string& name, const std::string& app,
                                    const std::string& git_ref, const std::string& image_tag = "");
boost::json::object image_build_object(const std::string& ns, const std::string& name, const std::string& app,
                                       const std::string& image);

// The kubelet's part.
struct ContainerOutcome {
    std::string name;
    int exit_code = 0;
    std::string message;
    std::string reason;  // "" = Completed / Error by exit code
};
// Waits for the (single) pod of a build Job and returns it.
boost::json::object wait_for_build_pod(SyncClient& c, const std::string& ns, const std::string& build);
// Writes a terminated status for the given containers and the pod phase.
void finish_pod(SyncClient& c, boost::json::object pod, const std::string& phase, const std::vector<ContainerOutcome>& init,
                const std::vector<ContainerOutcome>& main);
std::string clone_message(const std::string& commit, const std::string& type, const std::string& image);
// The image a build pod was asked to push (its clone step's IMAGE_REPOSITORY
// and IMAGE_TAG), which a well-behaved pod reports back.
std::string requested_image(const boost::json::object& pod);

std::string status_of(const boost::json::object& obj, const std::string& field);

// helm-controller's part: the install Job helm-install-<chart> as it creates
// it (owned by the HelmChart, labelled helmcharts.helm.cattle.io/chart), here
// with restartPolicy Never and no retries so one pod status decides it.
// The real Job controller then marks the Job Complete or Failed.
void run_install_job(SyncClient& c, const std::string& ns, const std::string& chart, bool succeed,
                     const std::string& termination_message = "");
// Like helm-controller's own Jobs (restartPolicy OnFailure, backoffLimit 1):
// the helm container fails and is restarted in place once; the real Job
// controller then fails the Job (BackoffLimitExceeded) and deletes its pod.
void run_install_job_failing_by_restarts(SyncClient& c, const std::string& ns, const std::string& chart);
// What the chart installs: Deployment <release>-<release> labelled
// app.kubernetes.io/instance=<release>, running `image`. The real Deployment
// and ReplicaSet controllers create its pods.
void create_release_deployment(SyncClient& c, const std::string& ns, const std::string& release, const std::string& image,
                               int replicas, int progress_deadline_seconds = 600);
// What a database chart installs: StatefulSet <release>-<component> labelled
// app.kubernetes.io/instance=<release> (as Bitnami charts label it). The real
// StatefulSet controller creates its pods and reports their readiness.
void create_release_statefulset(SyncClient& c, const std::string& ns, const std::string& release,
                                const std::string& component, int replicas);
// The kubelet's part: every pod of the release Running and Ready; returns how many.
std::size_t make_release_pods_ready(SyncClient& c, const std::string& ns, const std::string& release);
// "defaultImage:defaultImageTag" from the chart's valuesContent.
std::string chart_image(const boost::json::object& chart);

}  // namespace sb::op::testing
