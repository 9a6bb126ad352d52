#include "tests/operator/support/operator_harness.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_future.hpp>
#include <filesystem>
#include <fstream>
#include <future>
#include <mutex>
#include <pthread.h>
#include <sstream>
#include <time.h>

#include "operator/common/crd_types.hpp"
#include "kube/errors.hpp"
#include "operator/common/yaml_json.hpp"

namespace sb::op::testing {

namespace json = boost::json;
namespace asio = boost::asio;

namespace {

template <typename T>
T run_sync(asio::io_context& io, kube::Task<T> task) {
    auto future = asio::co_spawn(io, std::move(task), asio::use_future);
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (future.wait_for(std::chrono::seconds(0)) != std::future_status::ready) {
        if (std::chrono::steady_clock::now() > deadline) throw std::runtime_error("API call timed out");
        io.restart();
        io.run_for(std::chrono::milliseconds(10));
    }
    return future.get();
}

std::string read_text(const std::filesystem::path& p) {
    std::ifstream in(p);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

json::object terminated_status(const ContainerOutcome& c) {
    json::object t{{"exitCode", c.exit_code},
                   {"reason", c.reason.empty() ? (c.exit_code == 0 ? "Completed" : "Error") : c.reason},
                   {"startedAt", now_rfc3339()},
                   {"finishedAt", now_rfc3339()}};
    if (!c.message.empty()) t["message"] = c.message;
    return {{"name", c.name},
            {"ready", false},
            {"restartCount", 0},
            {"image", "test"},
            {"imageID", ""},
            {"state", {{"terminated", std::move(t)}}}};
}

}  // namespace

kube::ClusterConfig admin_config() {
    auto cfg = kube::load_kubeconfig({testenv::LocalControlPlane::shared().admin_kubeconfig()});
    cfg.qps = 1000;
    cfg.burst = 1000;
    return cfg;
}

SyncClient::SyncClient() : client_(io_.get_executor(), admin_config()) {}

json::object SyncClient::get(const kube::ResourceRef& r, const std::string& ns, const std::string& name) {
    return run_sync(io_, client_.get(r, ns, name));
}

std::optional<json::object> SyncClient::try_get(const kube::ResourceRef& r, const std::string& ns, const std::string& name) {
    try {
        return get(r, ns, name);
    } catch (const kube::ApiError& e) {
        if (kube::is_not_found(e)) return std::nullopt;
        throw;
    }
}

std::vector<json::object> SyncClient::list(const kube::ResourceRef& r, const std::string& ns, const std::string& selector) {
    kube::ListOptions options;
    options.label_selector = selector;
    return run_sync(io_, client_.list_all(r, ns, options)).items;
}

json::object SyncClient::create(const kube::ResourceRef& r, json::object obj) {
    return run_sync(io_, client_.create(r, std::move(obj)));
}

json::object SyncClient::update_status(const kube::ResourceRef& r, json::object obj) {
    return run_sync(io_, client_.update_status(r, std::move(obj)));
}

json::object SyncClient::update(const kube::ResourceRef& r, json::object obj) {
    return run_sync(io_, client_.update(r, std::move(obj)));
}

void SyncClient::remove(const kube::ResourceRef& r, const std::string& ns, const std::string& name) {
    kube::DeleteOptions options;
    options.propagation = kube::PropagationPolicy::background;
    run_sync(io_, client_.remove(r, ns, name, options));
}

void SyncClient::create_namespace(const std::string& name) {
    try {
        create(kube::resources::namespaces, json::object{{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", name}}}});
    } catch (const kube::ApiError& e) {
        if (!kube::is_already_exists(e)) throw;
    }
}

std::string SyncClient::run(kube::Task<std::string> task) { return run_sync(io_, std::move(task)); }

void SyncClient::bind_pod(const std::string& ns, const std::string& pod, const std::string& node) {
    kube::RawRequest request;
    request.method = "POST";
    request.path = "/api/v1/namespaces/" + ns + "/pods/" + pod + "/binding";
    request.body = json::serialize(json::object{{"apiVersion", "v1"},
                                                {"kind", "Binding"},
                                                {"metadata", {{"name", pod}}},
                                                {"target", {{"apiVersion", "v1"}, {"kind", "Node"}, {"name", node}}}});
    auto response = run_sync(io_, client_.raw(std::move(request)));
    if (response.status != 201 && response.status != 200)
        throw std::runtime_error("binding " + pod + " failed: " + std::to_string(response.status) + " " + response.body);
}

void install_crds(SyncClient& client) {
    static std::once_flag once;
    std::call_once(once, [&] {
        std::vector<std::filesystem::path> files;
        for (const auto& entry : std::filesystem::directory_iterator(std::string(SB_SOURCE_DIR) + "/deploy/crds"))
            if (entry.path().extension() == ".yaml") files.push_back(entry.path());
        files.push_back(std::string(SB_OPERATOR_TESTDATA) + "/helmchart-crd.yaml");
        for (const auto& f : files) {
            for (auto& crd : parse_yaml_manifests(read_text(f), f.string())) {
                try {
                    client.create(kube::resources::customresourcedefinitions, std::move(crd));
                } catch (const kube::ApiError& e) {
                    if (!kube::is_already_exists(e)) throw;
                }
            }
        }
        for (const auto* r : {&crds::apps, &crds::appbuilds, &crds::services, &crds::helmcharts}) {
            bool served = eventually([&] {
                try {
                    client.list(*r, "default");
                    return true;
                } catch (const kube::ApiError&) {
                    return false;
                }
            });
            if (!served) throw std::runtime_error("CRD not served: " + r->resource);
        }
    });
}

bool eventually(const std::function<bool()>& pred, std::chrono::milliseconds timeout, std::chrono::milliseconds interval) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        if (pred()) return true;
        std::this_thread::sleep_for(interval);
    }
    return pred();
}

OperatorUnderTest::OperatorUnderTest(appbuild::AppBuildSettings settings) : settings_(std::move(settings)) { start(); }

OperatorUnderTest::~OperatorUnderTest() { stop(); }

void OperatorUnderTest::start() {
    io_ = std::make_unique<asio::io_context>();
    kube::ManagerOptions options;
    options.health_port = -1;
    options.handle_signals = false;
    manager_ = std::make_unique<kube::Manager>(kube::Client(io_->get_executor(), admin_config()), options);
    appbuild::add_appbuild_controller(*manager_, settings_);
    service::add_service_controller(*manager_, service::ServiceConfig{});
    finished_ = std::make_shared<std::atomic<bool>>(false);
    asio::co_spawn(*io_, manager_->run(), [done = finished_](std::exception_ptr) { *done = true; });
    thread_ = std::thread([io = io_.get()] { io->run(); });
}

double OperatorUnderTest::cpu_seconds() const {
    clockid_t clock;
    if (!thread_.joinable() || pthread_getcpuclockid(const_cast<std::thread&>(thread_).native_handle(), &clock) != 0) return 0;
    timespec ts{};
    clock_gettime(clock, &ts);
    return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

void OperatorUnderTest::stop() {
    if (!thread_.joinable()) return;
    asio::post(*io_, [m = manager_.get()] { m->stop(); });
    // The manager returns once its workers are done; idle connections may
    // keep the io_context busy, so it is stopped explicitly after that.
    eventually([&] { return finished_->load(); }, std::chrono::seconds(30));
    io_->stop();
    thread_.join();
    manager_.reset();
    io_.reset();
}

json::object app_object(const std::string& ns, const std::string& name, const std::string& type) {
    json::object spec{{"git", {{"url", "https://git.example.com/team/" + name + ".git"}, {"branch", "main"}}},
                      {"registry", {{"url", "registry.example.com"}, {"secretName", "registry-credentials"}}},
                      {"port", 8080},
                      {"domains", json::array{name + ".apps.example.com"}}};
    if (type == "image") spec["build"] = json::object{{"type", type}, {"image", "registry.example.com/" + ns + "/" + name + ":initial"}};
    else if (!type.empty()) spec["build"] = json::object{{"type", type}};
    return {{"apiVersion", "apps.shapeblock.io/v1alpha1"},
            {"kind", "App"},
            {"metadata", {{"name", name}, {"namespace", ns}}},
            {"spec", std::move(spec)}};
}

json::object appbuild_object(const std::string& ns, const std::string& name, const std::string& app,
                             const std::string& git_ref, const std::string& image_tag) {
    json::object spec{{"appName", app}, {"gitRef", git_ref}};
    if (!image_tag.empty()) spec["imageTag"] = image_tag;
    return {{"apiVersion", "apps.shapeblock.io/v1alpha1"},
            {"kind", "AppBuild"},
            {"metadata", {{"name", name}, {"namespace", ns}}},
            {"spec", std::move(spec)}};
}

json::object image_build_object(const std::string& ns, const std::string& name, const std::string& app,
                                 const std::string& image) {
    return {{"apiVersion", "apps.shapeblock.io/v1alpha1"},
            {"kind", "AppBuild"},
            {"metadata", {{"name", name}, {"namespace", ns}}},
            {"spec", {{"appName", app}, {"image", image}}}};
}

json::object wait_for_build_pod(SyncClient& c, const std::string& ns, const std::string& build) {
    std::vector<json::object> pods;
    bool found = eventually([&] {
        pods = c.list(kube::resources::pods, ns, "shapeblock.io/build=" + build);
        return !pods.empty();
    });
    if (!found) throw std::runtime_error("no pod for build " + build);
    return pods.front();
}

void finish_pod(SyncClient& c, json::object pod, const std::string& phase, const std::vector<ContainerOutcome>& init,
                const std::vector<ContainerOutcome>& main) {
    json::array init_statuses, statuses;
    for (const auto& o : init) init_statuses.push_back(terminated_status(o));
    for (const auto& o : main) statuses.push_back(terminated_status(o));
    json::object status{{"phase", phase}, {"startTime", now_rfc3339()}};
    if (!init_statuses.empty()) status["initContainerStatuses"] = std::move(init_statuses);
    if (!statuses.empty()) status["containerStatuses"] = std::move(statuses);
    pod["status"] = std::move(status);
    c.update_status(kube::resources::pods, std::move(pod));
}

std::string clone_message(const std::string& commit, const std::string& type, const std::string& image) {
    return "commit=" + commit + "\ntype=" + type + "\nimage=" + image + "\n";
}

std::string requested_image(const json::object& pod) {
    std::string repository, tag;
    for (const char* list : {"initContainers", "containers"}) {
        const auto* containers = pod.at("spec").as_object().if_contains(list);
        if (!containers) continue;
        for (const auto& container : containers->as_array()) {
            const auto* env = container.as_object().if_contains("env");
            if (!env) continue;
            for (const auto& e : env->as_array()) {
                if (get_string(e.as_object(), "name") == "IMAGE_REPOSITORY") repository = get_string(e.as_object(), "value");
                if (get_string(e.as_object(), "name") == "IMAGE_TAG") tag = get_string(e.as_object(), "value");
            }
        }
    }
    if (repository.empty()) throw std::runtime_error("build pod " + get_string(pod, "metadata.name") + " names no IMAGE_REPOSITORY");
    return tag.empty() ? repository : repository + ":" + tag;
}

std::string status_of(const json::object& obj, const std::string& field) { return get_string(obj, "status." + field); }

namespace {

// helm-install-<chart>, owned by the HelmChart and labelled like helm-controller's; returns its first pod.
json::object create_install_job(SyncClient& c, const std::string& ns, const std::string& chart_name,
                                const std::string& restart_policy, int backoff_limit) {
    auto chart = c.get(crds::helmcharts, ns, chart_name);
    const std::string job_name = "helm-install-" + chart_name;
    json::object labels{{"helmcharts.helm.cattle.io/chart", chart_name}};
    json::object container{{"name", "helm"}, {"image", "rancher/klipper-helm:v0.9.4-build20250113"}, {"args", json::array{"install"}}};
    json::object job{
        {"apiVersion", "batch/v1"},
        {"kind", "Job"},
        {"metadata",
         {{"name", job_name},
          {"namespace", ns},
          {"labels", labels},
          {"ownerReferences", json::array{{{"apiVersion", "helm.cattle.io/v1"},
                                           {"kind", "HelmChart"},
                                           {"name", chart_name},
                                           {"uid", chart.at("metadata").at("uid")},
                                           {"controller", true}}}}}},
        {"spec",
         {{"backoffLimit", backoff_limit},
          {"template",
           {{"metadata", {{"labels", labels}}},
            {"spec", {{"restartPolicy", restart_policy}, {"containers", json::array{container}}}}}}}}};
    c.create(kube::resources::jobs, std::move(job));
    std::vector<json::object> pods;
    if (!eventually([&] {
            pods = c.list(kube::resources::pods, ns, "job-name=" + job_name);
            return !pods.empty();
        }))
        throw std::runtime_error("no pod for " + job_name);
    return pods.front();
}

}  // namespace

void run_install_job_failing_by_restarts(SyncClient& c, const std::string& ns, const std::string& chart_name) {
    auto pod = create_install_job(c, ns, chart_name, "OnFailure", 1);
    const auto now = now_rfc3339();
    json::object helm{{"name", "helm"},
                      {"ready", false},
                      {"restartCount", 1},
                      {"image", "rancher/klipper-helm:v0.9.4-build20250113"},
                      {"imageID", ""},
                      {"state", {{"waiting", {{"reason", "CrashLoopBackOff"}}}}},
                      {"lastState", {{"terminated", {{"exitCode", 1}, {"reason", "Error"}, {"startedAt", now}, {"finishedAt", now}}}}}};
    pod["status"] = json::object{{"phase", "Running"}, {"startTime", now}, {"containerStatuses", json::array{std::move(helm)}}};
    c.update_status(kube::resources::pods, std::move(pod));
}

void run_install_job(SyncClient& c, const std::string& ns, const std::string& chart_name, bool succeed,
                     const std::string& termination_message) {
    auto pod = create_install_job(c, ns, chart_name, "Never", 0);
    finish_pod(c, pod, succeed ? "Succeeded" : "Failed", {}, {{"helm", succeed ? 0 : 1, termination_message}});
}

void create_release_deployment(SyncClient& c, const std::string& ns, const std::string& release, const std::string& image,
                               int replicas, int progress_deadline_seconds) {
    json::object selector{{"app.kubernetes.io/name", release}, {"app.kubernetes.io/instance", release}};
    json::object labels = selector;
    labels["app.kubernetes.io/managed-by"] = "Helm";
    json::object container{{"name", release}, {"image", image}};
    json::object pod_template{{"metadata", {{"labels", selector}}},
                              {"spec", {{"containers", json::array{std::move(container)}}}}};
    json::object spec{{"replicas", replicas},
                      {"progressDeadlineSeconds", progress_deadline_seconds},
                      {"selector", {{"matchLabels", selector}}},
                      {"template", std::move(pod_template)}};
    c.create(kube::resources::deployments,
             json::object{{"apiVersion", "apps/v1"},
                          {"kind", "Deployment"},
                          {"metadata", {{"name", release + "-" + release}, {"namespace", ns}, {"labels", labels}}},
                          {"spec", std::move(spec)}});
}

void create_release_statefulset(SyncClient& c, const std::string& ns, const std::string& release,
                                const std::string& component, int replicas) {
    json::object selector{{"app.kubernetes.io/name", component}, {"app.kubernetes.io/instance", release}};
    json::object labels = selector;
    labels["app.kubernetes.io/managed-by"] = "Helm";
    json::object container{{"name", component}, {"image", "docker.io/bitnami/" + component + ":latest"}};
    json::object pod_template{{"metadata", {{"labels", selector}}},
                              {"spec", {{"containers", json::array{std::move(container)}}}}};
    const std::string name = release + "-" + component;
    json::object spec{{"replicas", replicas},
                      {"serviceName", name + "-hl"},
                      {"selector", {{"matchLabels", selector}}},
                      {"template", std::move(pod_template)}};
    c.create(kube::resources::statefulsets,
             json::object{{"apiVersion", "apps/v1"},
                          {"kind", "StatefulSet"},
                          {"metadata", {{"name", name}, {"namespace", ns}, {"labels", labels}}},
                          {"spec", std::move(spec)}});
}

std::size_t make_release_pods_ready(SyncClient& c, const std::string& ns, const std::string& release) {
    auto pods = c.list(kube::resources::pods, ns, "app.kubernetes.io/instance=" + release);
    for (auto& pod : pods) {
        const auto now = now_rfc3339();
        json::array statuses;
        for (const auto& container : pod.at("spec").at("containers").as_array())
            statuses.push_back(json::object{{"name", container.at("name")},
                                            {"ready", true},
                                            {"started", true},
                                            {"restartCount", 0},
                                            {"image", container.at("image")},
                                            {"imageID", ""},
                                            {"state", {{"running", {{"startedAt", now}}}}}});
        pod["status"] = json::object{
            {"phase", "Running"},
            {"startTime", now},
            {"conditions", json::array{{{"type", "Ready"}, {"status", "True"}, {"lastTransitionTime", now}},
                                       {{"type", "ContainersReady"}, {"status", "True"}, {"lastTransitionTime", now}}}},
            {"containerStatuses", std::move(statuses)}};
        c.update_status(kube::resources::pods, std::move(pod));
    }
    return pods.size();
}

std::string chart_image(const json::object& chart) {
    auto values = json::parse(std::string(chart.at("spec").at("valuesContent").as_string())).as_object();
    return std::string(values.at("defaultImage").as_string()) + ":" + std::string(values.at("defaultImageTag").as_string());
}

}  // namespace sb::op::testing
