#include "tests/e2e/support/kube_api.hpp"

#include <thread>

#include "tests/support/https_probe.hpp"

namespace sb::e2e {
namespace json = boost::json;

std::string KubeApi::call(const std::string& method, const std::string& path, const std::string& body,
                          const std::string& content_type) const {
    testenv::ProbeRequest request;
    request.method = method;
    request.target = path;
    request.bearer_token = token_;
    request.body = body;
    request.content_type = content_type;
    auto response = testenv::https_request(port_, ca_pem_, request);
    if (response.status < 200 || response.status >= 300)
        throw KubeApiError(response.status,
                           method + " " + path + " -> " + std::to_string(response.status) + ": " + response.body);
    return response.body;
}

json::value KubeApi::get(const std::string& path) const { return json::parse(call("GET", path, "", "application/json")); }

std::optional<json::value> KubeApi::try_get(const std::string& path) const {
    try {
        return get(path);
    } catch (const KubeApiError& e) {
        if (e.status() == 404) return std::nullopt;
        throw;
    }
}

json::value KubeApi::create(const std::string& collection_path, const json::value& object) const {
    return json::parse(call("POST", collection_path, json::serialize(object), "application/json"));
}

json::value KubeApi::merge_patch(const std::string& path, const json::value& patch) const {
    return json::parse(call("PATCH", path, json::serialize(patch), "application/merge-patch+json"));
}

json::value KubeApi::put(const std::string& path, const json::value& object) const {
    return json::parse(call("PUT", path, json::serialize(object), "application/json"));
}

void KubeApi::remove(const std::string& path) const {
    try {
        call("DELETE", path, "", "application/json");
    } catch (const KubeApiError& e) {
        if (e.status() != 404) throw;
    }
}

std::string KubeApi::get_text(const std::string& path) const { return call("GET", path, "", "application/json"); }

void wait_until(const std::string& what, std::chrono::seconds timeout, const std::function<bool()>& ready,
                const std::function<std::string()>& describe) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    std::string last_error;
    while (std::chrono::steady_clock::now() < deadline) {
        try {
            if (ready()) return;
        } catch (const WaitAborted&) {
            throw;
        } catch (const std::exception& e) {
            last_error = e.what();
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    std::string message = "timed out after " + std::to_string(timeout.count()) + " s waiting for " + what;
    if (!last_error.empty()) message += " (last error: " + last_error + ")";
    if (describe) {
        try {
            message += "\n" + describe();
        } catch (const std::exception& e) {
            message += "\n(describe failed: " + std::string(e.what()) + ")";
        }
    }
    throw std::runtime_error(message);
}

std::string string_at(const json::value& v, std::initializer_list<std::string_view> path) {
    const json::value* cur = &v;
    for (auto key : path) {
        const auto* obj = cur->if_object();
        if (!obj) return "";
        auto it = obj->find(key);
        if (it == obj->end()) return "";
        cur = &it->value();
    }
    if (const auto* s = cur->if_string()) return std::string(*s);
    return "";
}

}  // namespace sb::e2e
