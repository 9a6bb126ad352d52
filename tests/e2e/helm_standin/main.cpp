// sb-e2e-helm-controller: a stand-in for k3s helm-controller, for the e2e
// tests only (its images cannot be pulled offline). It does what
// helm-controller does with a HelmChart (helm.cattle.io/v1): installs the
// HelmChart CRD if missing; for every HelmChart whose spec changed, adds its
// finalizer and runs `helm upgrade --install <name> <chart> -n
// <targetNamespace>` with spec.valuesContent and spec.set; when a HelmChart
// is being deleted, runs `helm uninstall` and removes the finalizer.
//
// Charts come from the packaged upstream charts in --charts-dir (the shared
// nxs-universal-chart and groundhog2k database charts): nothing is fetched.
// A HelmChart's spec.chart (its last path segment for oci:// references)
// resolves to <name>-<version>.tgz there, else to the newest packaged
// version of that name; "nxs-universal-chart" is packaged as
// "universal-chart". Polls the API server once a second.
//
// Like helm-controller, each install leaves a Job helm-install-<name> (owned
// by the HelmChart, labelled helmcharts.helm.cattle.io/chart=<name>,
// re-created for every install) whose status tells how it went; here helm
// runs in this process, so the Job has parallelism 0 (no pod) and its
// Complete or Failed condition is written directly.
#include <signal.h>

#include <CLI/CLI.hpp>
#include <boost/json.hpp>
#include <algorithm>
#include <cctype>
#include <chrono>
#include <ctime>
#include <filesystem>
#include <iostream>
#include <map>
#include <thread>

#include "tests/support/child_process.hpp"
#include "tests/e2e/support/kube_api.hpp"
#include "tests/support/scratch.hpp"

namespace {
namespace json = boost::json;
namespace fs = std::filesystem;
using sb::e2e::KubeApi;
using sb::e2e::string_at;

constexpr const char* kFinalizer = "wrangler.cattle.io/on-helm-chart-remove";
constexpr const char* kCharts = "/apis/helm.cattle.io/v1/helmcharts";

json::value helmchart_crd() {
    json::object open{{"type", "object"}, {"x-kubernetes-preserve-unknown-fields", true}};
    return json::object{
        {"apiVersion", "apiextensions.k8s.io/v1"},
        {"kind", "CustomResourceDefinition"},
        {"metadata", json::object{{"name", "helmcharts.helm.cattle.io"}}},
        {"spec",
         json::object{{"group", "helm.cattle.io"},
                      {"scope", "Namespaced"},
                      {"names", json::object{{"kind", "HelmChart"},
                                             {"listKind", "HelmChartList"},
                                             {"plural", "helmcharts"},
                                             {"singular", "helmchart"}}},
                      {"versions", json::array{json::object{
                                       {"name", "v1"},
                                       {"served", true},
                                       {"storage", true},
                                       {"subresources", json::object{{"status", json::object{}}}},
                                       {"schema", json::object{{"openAPIV3Schema",
                                                                json::object{{"type", "object"},
                                                                             {"properties", json::object{{"spec", open},
                                                                                                         {"status", open}}}}}}}}}}}}};
}

struct Settings {
    std::string helm, charts_dir, kubeconfig, state_dir;
};

void log(const std::string& message) { std::cout << message << std::endl; }

std::string helm(const Settings& s, std::vector<std::string> args) {
    std::vector<std::string> argv{"env", "HELM_CACHE_HOME=" + s.state_dir + "/cache",
                                  "HELM_CONFIG_HOME=" + s.state_dir + "/config",
                                  "HELM_DATA_HOME=" + s.state_dir + "/data", s.helm, "--kubeconfig", s.kubeconfig};
    argv.insert(argv.end(), args.begin(), args.end());
    return sb::testenv::run_command(argv);
}

std::string chart_path(const json::value& chart) {
    return "/apis/helm.cattle.io/v1/namespaces/" + string_at(chart, {"metadata", "namespace"}) + "/helmcharts/" +
           string_at(chart, {"metadata", "name"});
}

bool has_finalizer(const json::value& chart) {
    const auto* meta = chart.at("metadata").if_object();
    if (const auto* f = meta->if_contains("finalizers"))
        for (const auto& name : f->as_array())
            if (name.as_string() == kFinalizer) return true;
    return false;
}

void set_finalizers(const KubeApi& api, const json::value& chart, bool with_ours) {
    json::array finalizers;
    if (const auto* f = chart.at("metadata").as_object().if_contains("finalizers"))
        for (const auto& name : f->as_array())
            if (name.as_string() != kFinalizer) finalizers.push_back(name);
    if (with_ours) finalizers.push_back(json::string(kFinalizer));
    api.merge_patch(chart_path(chart),
                    json::object{{"metadata", json::object{{"finalizers", finalizers},
                                                           {"resourceVersion", chart.at("metadata").at("resourceVersion")}}}});
}

std::string target_namespace(const json::value& chart) {
    auto ns = string_at(chart, {"spec", "targetNamespace"});
    return ns.empty() ? string_at(chart, {"metadata", "namespace"}) : ns;
}

// The packaged chart a HelmChart names; throws when none is packaged.
std::string local_chart(const Settings& s, const json::value& chart) {
    std::string name = string_at(chart, {"spec", "chart"});
    if (const auto slash = name.rfind('/'); slash != std::string::npos) name.erase(0, slash + 1);
    if (name == "nxs-universal-chart") name = "universal-chart";
    const auto exact = fs::path(s.charts_dir) / (name + "-" + string_at(chart, {"spec", "version"}) + ".tgz");
    if (fs::exists(exact)) return exact.string();
    std::string newest;
    for (const auto& entry : fs::directory_iterator(s.charts_dir)) {
        const auto file = entry.path().filename().string();
        const auto version = file.substr(std::min(file.size(), name.size() + 1));
        if (file.starts_with(name + "-") && file.ends_with(".tgz") && !version.empty() && std::isdigit(version[0]) &&
            entry.path().string() > newest)
            newest = entry.path().string();
    }
    if (newest.empty()) throw std::runtime_error("no packaged chart " + name + " in " + s.charts_dir);
    return newest;
}

void install(const Settings& s, const json::value& chart) {
    const std::string name = string_at(chart, {"metadata", "name"});
    const fs::path values = fs::path(s.state_dir) / (string_at(chart, {"metadata", "namespace"}) + "-" + name + ".yaml");
    sb::testenv::write_file(values, string_at(chart, {"spec", "valuesContent"}));
    std::vector<std::string> args{"upgrade", "--install", name, local_chart(s, chart), "--namespace", target_namespace(chart),
                                  "--values", values.string()};
    if (const auto* set = chart.at("spec").as_object().if_contains("set"))
        for (const auto& [key, value] : set->as_object())
            args.push_back("--set-string=" + std::string(key) + "=" +
                           (value.is_string() ? std::string(value.as_string()) : json::serialize(value)));
    helm(s, args);
}

std::string now_rfc3339() {
    const std::time_t t = std::time(nullptr);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buffer[32];
    std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buffer;
}

// Replaces helm-install-<name> with a Job that records this install's outcome.
void record_install_job(const KubeApi& api, const json::value& chart, bool succeeded, const std::string& message) {
    const std::string ns = string_at(chart, {"metadata", "namespace"});
    const std::string name = string_at(chart, {"metadata", "name"});
    const std::string jobs = "/apis/batch/v1/namespaces/" + ns + "/jobs";
    const std::string job_path = jobs + "/helm-install-" + name;
    api.remove(job_path + "?propagationPolicy=Background");
    json::object labels{{"helmcharts.helm.cattle.io/chart", name}};
    const json::value job = json::object{
        {"apiVersion", "batch/v1"},
        {"kind", "Job"},
        {"metadata", json::object{{"name", "helm-install-" + name},
                                  {"labels", labels},
                                  {"ownerReferences", json::array{json::object{{"apiVersion", "helm.cattle.io/v1"},
                                                                               {"kind", "HelmChart"},
                                                                               {"name", name},
                                                                               {"uid", chart.at("metadata").at("uid")},
                                                                               {"controller", true}}}}}},
        {"spec", json::object{{"parallelism", 0},
                              {"backoffLimit", 0},
                              {"template", json::object{{"metadata", json::object{{"labels", labels}}},
                                                        {"spec", json::object{{"restartPolicy", "Never"},
                                                                              {"containers", json::array{json::object{
                                                                                                 {"name", "helm"},
                                                                                                 {"image", "helm-standin"}}}}}}}}}}};
    // The old Job may take a moment to go.
    for (int attempt = 0;; ++attempt) {
        try {
            api.create(jobs, job);
            break;
        } catch (const std::exception&) {
            if (attempt >= 50) throw;
            std::this_thread::sleep_for(std::chrono::milliseconds(200));
        }
    }
    const auto now = json::value(now_rfc3339());
    json::object condition{{"type", succeeded ? "Complete" : "Failed"}, {"status", "True"}, {"lastProbeTime", now},
                           {"lastTransitionTime", now}};
    if (!succeeded) {
        condition["reason"] = "BackoffLimitExceeded";
        condition["message"] = message;
    }
    json::object status{{"conditions", json::array{condition}}, {"startTime", now}};
    if (succeeded) {
        status["succeeded"] = 1;
        status["completionTime"] = now;
    } else {
        status["failed"] = 1;
    }
    api.merge_patch(job_path + "/status", json::object{{"status", status}});
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"helm-controller stand-in for e2e tests"};
    int port = 0;
    std::string ca_file, token_file;
    Settings settings;
    app.add_option("--port", port, "API server port on 127.0.0.1")->required();
    app.add_option("--ca-file", ca_file)->required();
    app.add_option("--token-file", token_file)->required();
    app.add_option("--kubeconfig", settings.kubeconfig, "for helm")->required();
    app.add_option("--helm", settings.helm)->required();
    app.add_option("--charts-dir", settings.charts_dir, "the packaged charts HelmCharts resolve to")->required();
    app.add_option("--state-dir", settings.state_dir)->required();
    CLI11_PARSE(app, argc, argv);

    KubeApi api(port, sb::testenv::read_file(ca_file), sb::testenv::read_file(token_file));
    fs::create_directories(settings.state_dir);
    try {
        if (!api.try_get("/apis/apiextensions.k8s.io/v1/customresourcedefinitions/helmcharts.helm.cattle.io"))
            api.create("/apis/apiextensions.k8s.io/v1/customresourcedefinitions", helmchart_crd());
    } catch (const std::exception& e) {
        std::cerr << "cannot install the HelmChart CRD: " << e.what() << std::endl;
        return 1;
    }
    log("helm-controller stand-in: watching HelmCharts");
    // ns/name -> the spec last installed
    std::map<std::string, std::string> installed;
    while (true) {
        try {
            auto list = api.get(kCharts);
            for (const auto& chart : list.at("items").as_array()) {
                const std::string key = string_at(chart, {"metadata", "namespace"}) + "/" +
                                        string_at(chart, {"metadata", "name"});
                try {
                    if (!string_at(chart, {"metadata", "deletionTimestamp"}).empty()) {
                        if (!has_finalizer(chart)) continue;
                        try {
                            helm(settings, {"uninstall", string_at(chart, {"metadata", "name"}), "--namespace",
                                            target_namespace(chart)});
                        } catch (const std::exception& e) {
                            if (std::string(e.what()).find("not found") == std::string::npos) throw;
                        }
                        set_finalizers(api, chart, false);
                        installed.erase(key);
                        log("uninstalled " + key);
                        continue;
                    }
                    if (!has_finalizer(chart)) {
                        set_finalizers(api, chart, true);
                        continue;  // next round sees the new resourceVersion
                    }
                    const std::string spec = json::serialize(chart.at("spec"));
                    if (installed[key] == spec) continue;
                    try {
                        install(settings, chart);
                    } catch (const std::exception& e) {
                        // Reported like helm-controller's failed Job; retried when the spec changes.
                        installed[key] = spec;
                        record_install_job(api, chart, false, e.what());
                        throw;
                    }
                    installed[key] = spec;
                    record_install_job(api, chart, true, "");
                    log("installed " + key + " (resourceVersion " +
                        string_at(chart, {"metadata", "resourceVersion"}) + ")");
                } catch (const std::exception& e) {
                    log("HelmChart " + key + ": " + e.what());
                }
            }
        } catch (const std::exception& e) {
            log(std::string("listing HelmCharts: ") + e.what());
        }
        std::this_thread::sleep_for(std::chrono::seconds(1));
    }
}
