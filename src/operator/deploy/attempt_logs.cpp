#include "attempt_logs.hpp"

#include "common/log.hpp"

namespace sb::op::deploy {

namespace {
constexpr std::int64_t kTailLines = 20;
constexpr std::size_t kMaxRemembered = 512;
}  // namespace

kube::Task<void> AttemptLogs::add_to(const std::string& ns, DeployObservation& obs) {
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
        logs_.emplace(key, std::move(tail));  // no iterator is held across the co_await above
    }
    add_log_lines(obs, logs_.at(key));
}

}  // namespace sb::op::deploy
