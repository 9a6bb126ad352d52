#include "operator/helm/attempt_logs.hpp"

#include "common/log.hpp"

namespace sb::op::helm {

namespace {
constexpr std::int64_t kTailLines = 20;
constexpr std::size_t kMaxRemembered = 512;
}  // namespace

kube::Task<void> AttemptLogs::add_to(const std::string& ns, const std::string& chart, DeployObservation& obs) {
    const auto chart_key = ns + "/" + chart;
    if (obs.wants_last_log) {
        if (auto it = last_by_chart_.find(chart_key); it != last_by_chart_.end()) add_log_lines(obs, it->second);
        co_return;
    }
    if (!obs.wants_log) co_return;
    const auto key = obs.attempt.pod_uid + "/" + std::to_string(obs.attempt.restarts);
    if (!logs_.contains(key)) {
        std::string tail;
        try {
            kube::LogOptions options;
            options.container = std::string(kHelmContainer);
            options.previous = obs.attempt.previous;
            options.tail_lines = kTailLines;
            tail = co_await client_.pod_logs(ns, obs.attempt.pod, options);
        } catch (const std::exception& e) {
            // No kubelet answers (pod gone, node down): the message stays without log lines.
            sb::log::debug("helm install log unavailable",
                           {{"pod", boost::json::value(obs.attempt.pod)}, {"error", boost::json::value(e.what())}});
        }
        if (logs_.size() >= kMaxRemembered) logs_.erase(logs_.begin());
        if (last_by_chart_.size() >= kMaxRemembered && !last_by_chart_.contains(chart_key))
            last_by_chart_.erase(last_by_chart_.begin());
        if (!tail.empty()) last_by_chart_[chart_key] = tail;
        logs_.emplace(key, std::move(tail));  // no iterator is held across the co_await above
    }
    add_log_lines(obs, logs_.at(key));
}

}  // namespace sb::op::helm
