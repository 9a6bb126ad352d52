#include "tests/e2e/support/pods.hpp"

#include "tests/e2e/support/plain_http.hpp"

namespace sb::e2e {
namespace json = boost::json;
using namespace std::chrono_literals;

void create_namespace(const KubeApi& api, const std::string& name) {
    api.create("/api/v1/namespaces", json::object{{"apiVersion", "v1"},
                                                  {"kind", "Namespace"},
                                                  {"metadata", json::object{{"name", name}}}});
}

void install_registry_credentials(const KubeApi& api) {
    create_namespace(api, "shapeblock");
    api.create("/api/v1/namespaces/shapeblock/secrets",
               json::object{{"apiVersion", "v1"},
                            {"kind", "Secret"},
                            {"metadata", json::object{{"name", "registry-credentials"}}},
                            {"type", "kubernetes.io/dockerconfigjson"},
                            {"stringData", json::object{{".dockerconfigjson", R"({"auths":{}})"}}}});
}

json::value create_pod(const KubeApi& api, const std::string& ns, const json::value& pod) {
    return api.create("/api/v1/namespaces/" + ns + "/pods", pod);
}

std::string describe_pod(const KubeApi& api, const std::string& ns, const std::string& name) {
    std::string out;
    if (auto pod = api.try_get("/api/v1/namespaces/" + ns + "/pods/" + name))
        out += "pod status: " + json::serialize(pod->at("status")) + "\n";
    auto events = api.get("/api/v1/namespaces/" + ns + "/events?fieldSelector=involvedObject.name%3D" + name);
    for (const auto& e : events.at("items").as_array())
        out += "event: " + string_at(e, {"reason"}) + ": " + string_at(e, {"message"}) + "\n";
    return out;
}

json::value wait_pod_phase(const KubeApi& api, const std::string& ns, const std::string& name,
                           const std::string& phase, std::chrono::seconds timeout) {
    json::value pod;
    wait_until(
        "pod " + ns + "/" + name + " to be " + phase, timeout,
        [&] {
            pod = api.get("/api/v1/namespaces/" + ns + "/pods/" + name);
            const std::string current = string_at(pod, {"status", "phase"});
            if (current == phase) return phase != "Running" || !string_at(pod, {"status", "podIP"}).empty();
            if ((current == "Succeeded" || current == "Failed") && current != phase)
                throw WaitAborted("pod " + name + " ended " + current + ":\n" + describe_pod(api, ns, name) +
                                         "logs:\n" + pod_logs(api, ns, name));
            return false;
        },
        [&] { return describe_pod(api, ns, name); });
    return pod;
}

std::string wait_running_pod(const KubeApi& api, const std::string& ns, const std::string& label_selector,
                             std::chrono::seconds timeout) {
    std::string name;
    const std::string path = "/api/v1/namespaces/" + ns + "/pods?labelSelector=" + label_selector;
    wait_until(
        "a Running pod with " + label_selector + " in " + ns, timeout,
        [&] {
            const auto pods = api.get(path);
            for (const auto& pod : pods.at("items").as_array())
                if (string_at(pod, {"status", "phase"}) == "Running" && !string_at(pod, {"status", "podIP"}).empty() &&
                    string_at(pod, {"metadata", "deletionTimestamp"}).empty()) {
                    name = string_at(pod, {"metadata", "name"});
                    return true;
                }
            return false;
        },
        [&] {
            std::string out;
            const auto pods = api.get(path);
            for (const auto& pod : pods.at("items").as_array())
                out += describe_pod(api, ns, string_at(pod, {"metadata", "name"}));
            return out.empty() ? "no pods match" : out;
        });
    return name;
}

std::string pod_logs(const KubeApi& api, const std::string& ns, const std::string& name, const std::string& container,
                     bool timestamps) {
    std::string path = "/api/v1/namespaces/" + ns + "/pods/" + name + "/log?timestamps=" + (timestamps ? "true" : "false");
    if (!container.empty()) path += "&container=" + container;
    try {
        return api.get_text(path);
    } catch (const std::exception& e) {
        return std::string("(no logs: ") + e.what() + ")";
    }
}

std::string http_get_pod(const KubeApi& api, const std::string& ns, const std::string& name, int port,
                         const std::string& path, std::chrono::seconds timeout) {
    auto pod = wait_pod_phase(api, ns, name, "Running", timeout);
    const std::string ip = string_at(pod, {"status", "podIP"});
    HttpResult result;
    wait_until("HTTP 200 from " + ip + ":" + std::to_string(port) + path, timeout, [&] {
        result = http_get(ip, port, path);
        return result.status == 200;
    }, [&] { return "last answer: " + std::to_string(result.status) + " " + result.error + " " + result.body; });
    return result.body;
}

}  // namespace sb::e2e
