#include "operator/agent/log_relay.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "agent/limits.hpp"
#include "common/json_fields.hpp"
#include "common/log.hpp"
#include "kube/async_event.hpp"
#include "operator/agent/object_writer.hpp"
#include "operator/appbuild/build_log.hpp"
#include "operator/appbuild/job_builder.hpp"
#include "operator/common/crd_types.hpp"

namespace sb::op::agent {

namespace asio = boost::asio;
using sb::agent::Error;
using sb::agent::ErrorCode;

std::vector<std::string> LineChunker::feed(std::string_view bytes) {
    constexpr auto max = sb::agent::kMaxLogChunkBytes;
    std::vector<std::string> chunks;
    pending_.append(bytes);
    for (;;) {
        std::size_t cut;
        if (pending_.size() >= max) {
            const auto newline = pending_.rfind('\n', max - 1);
            cut = newline != std::string::npos ? newline + 1 : max;
        } else {
            const auto newline = pending_.rfind('\n');
            if (newline == std::string::npos) break;
            cut = newline + 1;
        }
        chunks.push_back(pending_.substr(0, cut));
        pending_.erase(0, cut);
    }
    return chunks;
}

std::string LineChunker::flush() {
    return std::exchange(pending_, std::string());
}

std::optional<Error> LogRelay::open(const sb::agent::OpenLogs& request) {
    if (streams_.contains(request.stream_id))
        return Error{ErrorCode::invalid, "log stream '" + request.stream_id + "' is already open"};
    if (streams_.size() >= sb::agent::kMaxOpenLogStreams)
        return Error{ErrorCode::too_large, "at most " +
                                               std::to_string(sb::agent::kMaxOpenLogStreams) +
                                               " log streams may be open at once"};
    auto stop = std::make_shared<std::stop_source>();
    streams_[request.stream_id] = stop;
    asio::co_spawn(client_.executor(), run(request, stop->get_token()), asio::detached);
    return std::nullopt;
}

void LogRelay::close(const std::string& stream_id) {
    if (auto it = streams_.find(stream_id); it != streams_.end()) {
        it->second->request_stop();
        streams_.erase(it);
    }
}

void LogRelay::close_all() {
    for (auto& [id, stop] : streams_) stop->request_stop();
    streams_.clear();
}

kube::Task<void> LogRelay::run(sb::agent::OpenLogs request, std::stop_token stop) {
    std::string error;
    try {
        if (request.object.kind == "AppBuild")
            co_await relay_build(request, stop);
        else
            co_await relay_app(request, stop);
    } catch (const std::exception& e) {
        error = error_from_exception(std::current_exception()).message;
    }
    if (stop.stop_requested()) co_return;  // closed by the server: it wants nothing more
    streams_.erase(request.stream_id);
    send_({request.stream_id, "", "", "", true, error});
}

namespace {

// A non-following read stops after this much of one container's log.
constexpr std::int64_t kMaxLogBytes = 8 << 20;
// How often a followed build log looks whether its next container started.
constexpr auto kFollowPollInterval = std::chrono::milliseconds(500);

kube::LogOptions options_for(const sb::agent::OpenLogs& request, std::string container) {
    kube::LogOptions o;
    o.container = std::move(container);
    o.follow = request.follow;
    o.tail_lines = request.tail_lines;
    o.since_seconds = request.since_seconds;
    o.limit_bytes = request.follow ? std::nullopt : std::optional<std::int64_t>(kMaxLogBytes);
    return o;
}

}  // namespace

kube::Task<void> LogRelay::relay_build(const sb::agent::OpenLogs& request, std::stop_token stop) {
    kube::ListOptions list;
    list.label_selector = std::string(appbuild::kBuildLabel) + "=" + request.object.name;
    auto pods = co_await client_.list(kube::resources::pods, request.object.namespace_, list);
    if (pods.items.empty())
        throw std::runtime_error("AppBuild " + request.object.name + " has no build pod");
    auto pod = std::move(pods.items.front());
    const auto pod_name = get_string(pod, "metadata.name");
    if (!request.follow) {
        for (const auto& step : appbuild::build_log_requests(pod, kMaxLogBytes)) {
            if (stop.stop_requested()) co_return;
            co_await relay_container(request, pod_name, step.container,
                                     options_for(request, step.container), stop);
        }
        co_return;
    }
    // Followed from the pod's creation on: each container in turn, once it
    // has started (the server opens the stream while the pod may still be
    // pending, and the builder starts only after the clone ended).
    for (const auto& container : appbuild::build_containers(pod)) {
        auto progress = appbuild::container_progress(pod, container);
        while (progress == appbuild::ContainerProgress::waiting) {
            bool slept = co_await kube::sleep_for(kFollowPollInterval, stop);
            if (!slept) co_return;
            pod = co_await client_.get(kube::resources::pods, request.object.namespace_, pod_name);
            progress = appbuild::container_progress(pod, container);
        }
        if (stop.stop_requested()) co_return;
        if (progress == appbuild::ContainerProgress::skipped) continue;
        co_await relay_container(request, pod_name, container, options_for(request, container), stop);
        pod = co_await client_.get(kube::resources::pods, request.object.namespace_, pod_name);
    }
}

kube::Task<void> LogRelay::relay_app(const sb::agent::OpenLogs& request, std::stop_token stop) {
    kube::ListOptions list;
    list.label_selector =
        std::string(kAppLabel) + "=" + request.object.name + ",app.kubernetes.io/component!=build";
    auto pods = co_await client_.list(kube::resources::pods, request.object.namespace_, list);
    std::vector<std::string> names;
    for (const auto& pod : pods.items) {
        auto name = get_string(pod, "metadata.name");
        if (request.pod.empty() || request.pod == name) names.push_back(std::move(name));
    }
    if (names.empty())
        throw std::runtime_error(request.pod.empty()
                                     ? "App " + request.object.name + " has no pods"
                                     : "no pod " + request.pod + " of App " + request.object.name);
    // Pods one after the other without follow; followed side by side, ending with the last.
    if (!request.follow) {
        for (const auto& name : names)
            co_await relay_container(request, name, "", options_for(request, ""), stop);
        co_return;
    }
    auto remaining = std::make_shared<std::size_t>(names.size());
    auto all_done = std::make_shared<asio::steady_timer>(client_.executor(),
                                                         asio::steady_timer::time_point::max());
    for (const auto& name : names) {
        asio::co_spawn(client_.executor(),
                       relay_container(request, name, "", options_for(request, ""), stop),
                       [remaining, all_done](std::exception_ptr) {
                           if (--*remaining == 0) all_done->cancel();
                       });
    }
    boost::system::error_code ec;
    co_await all_done->async_wait(asio::redirect_error(asio::use_awaitable, ec));
}

kube::Task<void> LogRelay::relay_container(const sb::agent::OpenLogs& request, std::string pod,
                                           std::string container, kube::LogOptions options,
                                           std::stop_token stop) {
    LineChunker chunker;
    auto send = [&](std::string data) {
        if (!stop.stop_requested())
            send_({request.stream_id, pod, container, std::move(data), false, ""});
    };
    if (options.follow) {
        co_await client_.follow_pod_logs(
            request.object.namespace_, pod, options,
            [&](std::string_view bytes) {
                for (auto& chunk : chunker.feed(bytes)) send(std::move(chunk));
            },
            stop);
    } else {
        auto text = co_await client_.pod_logs(request.object.namespace_, pod, options);
        for (auto& chunk : chunker.feed(text)) send(std::move(chunk));
    }
    if (auto rest = chunker.flush(); !rest.empty()) send(std::move(rest));
}

}  // namespace sb::op::agent
