#include "operator/appbuild/build_log.hpp"

#include <boost/json/array.hpp>

#include "operator/common/crd_types.hpp"
#include "kube/errors.hpp"
#include "operator/appbuild/job_builder.hpp"

namespace sb::op::appbuild {

namespace json = boost::json;

namespace {

constexpr std::int64_t kLogLimitBytes = 4 * 1024 * 1024;
const kube::GetOptions kGet{};

const json::array* statuses(const json::object& pod, std::string_view key) {
    return find_array(pod, "status." + std::string(key));
}

const json::object* container_status(const json::object& pod, std::string_view container) {
    for (std::string_view key : {"initContainerStatuses", "containerStatuses"})
        if (const auto* list = statuses(pod, key))
            for (const auto& s : *list)
                if (s.is_object() && get_string(s.get_object(), "name") == container) return &s.get_object();
    return nullptr;
}

bool started(const json::object& status) {
    return find_object(status, "state.running") || find_object(status, "state.terminated") ||
           find_object(status, "lastState.terminated");
}

std::string with_newline(std::string text) {
    if (!text.empty() && text.back() != '\n') text += '\n';
    return text;
}

std::string header(std::string_view container, std::string_view note = {}) {
    std::string h = "==> " + std::string(container);
    if (!note.empty()) h += " (" + std::string(note) + ")";
    return h + " <==\n";
}

kube::Task<std::optional<json::object>> find_pod(kube::Client& client, const std::string& ns, const json::object& build) {
    if (auto name = get_string(build, "status.podName"); !name.empty()) {
        try {
            co_return co_await client.get(kube::resources::pods, ns, name, kGet);
        } catch (const kube::ApiError& e) {
            if (!kube::is_not_found(e)) throw;
        }
    }
    kube::ListOptions by_build;
    by_build.label_selector = std::string(kBuildLabel) + "=" + get_string(build, "metadata.name");
    auto pods = co_await client.list(kube::resources::pods, ns, by_build);
    if (pods.items.empty()) co_return std::nullopt;
    co_return std::move(pods.items.front());
}

}  // namespace

std::vector<ContainerLogRequest> build_log_requests(const json::object& pod, std::int64_t limit_bytes) {
    std::vector<ContainerLogRequest> out;
    for (std::string_view key : {"initContainers", "containers"}) {
        const auto* spec = find_object(pod, "spec");
        const auto* list = spec ? spec->if_contains(key) : nullptr;
        if (!list || !list->is_array()) continue;
        for (const auto& c : list->get_array()) {
            if (!c.is_object()) continue;
            auto name = get_string(c.get_object(), "name");
            const auto* status = container_status(pod, name);
            if (!status || !started(*status)) continue;
            ContainerLogRequest r;
            r.container = name;
            r.options.container = name;
            r.options.limit_bytes = limit_bytes;
            out.push_back(std::move(r));
        }
    }
    return out;
}

std::vector<std::string> build_containers(const json::object& pod) {
    std::vector<std::string> out;
    for (std::string_view key : {"spec.initContainers", "spec.containers"})
        if (const auto* list = find_array(pod, key))
            for (const auto& c : *list)
                if (c.is_object()) out.push_back(get_string(c.get_object(), "name"));
    return out;
}

ContainerProgress container_progress(const json::object& pod, std::string_view container) {
    if (const auto* status = container_status(pod, container); status && started(*status)) return ContainerProgress::started;
    const auto phase = get_string(pod, "status.phase");
    bool ended = phase == "Succeeded" || phase == "Failed" || !get_string(pod, "metadata.deletionTimestamp").empty();
    return ended ? ContainerProgress::skipped : ContainerProgress::waiting;
}

std::string recorded_container_text(const json::object& pod, std::string_view container) {
    const auto* status = container_status(pod, container);
    if (!status) return {};
    for (std::string_view path : {"state.terminated", "lastState.terminated"})
        if (const auto* t = find_object(*status, path)) return get_string(*t, "message");
    return {};
}

std::string recorded_build_summary(const json::object& build) {
    std::string out;
    for (std::string_view field : {"phase", "reason", "podName", "commit", "image", "completionTime", "message"}) {
        auto value = get_string(build, "status." + std::string(field));
        if (!value.empty()) out += std::string(field) + ": " + value + "\n";
    }
    return out.empty() ? "(the build recorded no status)\n" : out;
}

kube::Task<std::string> fetch_build_log(kube::Client& client, std::string ns, std::string name) {
    json::object build;
    try {
        build = co_await client.get(crds::appbuilds, ns, name, kGet);
    } catch (const kube::ApiError& e) {
        if (!kube::is_not_found(e)) throw;
        throw BuildLogError("AppBuild " + ns + "/" + name + " not found");
    }
    const auto reason = get_string(build, "status.reason");
    if (reason == "Image" || reason == "Reused")
        co_return "AppBuild " + ns + "/" + name + " ran no build (" + get_string(build, "status.message") + ")\n";

    auto pod = co_await find_pod(client, ns, build);
    if (!pod) {
        const auto phase = get_string(build, "status.phase");
        if (phase.empty() || phase == "Pending")
            co_return "AppBuild " + ns + "/" + name + " has no build pod yet\n" + recorded_build_summary(build);
        co_return "the build pod of AppBuild " + ns + "/" + name +
            " is gone (build pods are kept for the Job's ttlSecondsAfterFinished); what the build recorded:\n" +
            recorded_build_summary(build);
    }

    std::string out;
    auto requests = build_log_requests(*pod, kLogLimitBytes);
    if (requests.empty()) out += "no container of pod " + get_string(*pod, "metadata.name") + " has started yet\n";
    for (auto& r : requests) {
        std::string log, error;
        try {
            log = co_await client.pod_logs(ns, get_string(*pod, "metadata.name"), r.options);
        } catch (const kube::ApiError& e) {
            error = e.what();
        }
        if (!log.empty()) {
            out += header(r.container) + with_newline(std::move(log));
            continue;
        }
        // No log (an error, or an empty answer: no node, the container is
        // gone): what the container recorded on termination stands in.
        auto recorded = recorded_container_text(*pod, r.container);
        std::string why = error.empty() ? "empty log" : "log unavailable: " + error;
        if (!recorded.empty()) why += "; its termination message follows";
        out += header(r.container, why) + with_newline(std::move(recorded));
    }
    co_return out;
}

}  // namespace sb::op::appbuild
