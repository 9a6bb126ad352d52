#include "kube/leader_election.hpp"

#include <boost/json.hpp>

#include "common/json_fields.hpp"
#include "common/log.hpp"
#include "common/metrics.hpp"
#include "common/rfc3339.hpp"
#include "kube/async_event.hpp"

namespace sb::kube {

namespace asio = boost::asio;
namespace json = boost::json;
using std::chrono::steady_clock;

namespace {

const json::object& spec_of(const json::object& lease) {
    static const json::object empty;
    const auto* s = lease.if_contains("spec");
    return s && s->is_object() ? s->get_object() : empty;
}

metrics::Gauge& leader_gauge(const std::string& lease) {
    return metrics::Registry::global()
        .gauge("sb_leader_election_is_leader", "1 while this process holds the lease", {"lease"})
        .with({lease});
}

}  // namespace

LeaderElector::LeaderElector(Client client, LeaderElectionConfig config)
    : client_(std::move(client)), config_(std::move(config)) {
    if (config_.lease_name.empty() || config_.lease_namespace.empty() || config_.identity.empty())
        throw std::invalid_argument("leader election needs a lease namespace, a lease name and an identity");
    if (config_.lease_duration <= config_.renew_deadline)
        throw std::invalid_argument("leader election: lease duration must be greater than the renew deadline");
    if (config_.renew_deadline <= config_.retry_period)
        throw std::invalid_argument("leader election: renew deadline must be greater than the retry period");
    if (config_.lease_duration < std::chrono::seconds(1))
        throw std::invalid_argument("leader election: lease duration must be at least one second");
}

bool LeaderElector::is_leader() const {
    std::lock_guard lock(mutex_);
    return leader_;
}

std::string LeaderElector::observed_holder() const {
    std::lock_guard lock(mutex_);
    return observed_holder_;
}

json::object LeaderElector::lease_spec(const json::object* previous) const {
    const auto now = now_rfc3339(Precision::microseconds);  // metav1.MicroTime
    const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(config_.lease_duration).count();
    json::object spec{{"holderIdentity", config_.identity},
                      {"leaseDurationSeconds", seconds},
                      {"acquireTime", now},
                      {"renewTime", now},
                      {"leaseTransitions", 0}};
    if (previous) {
        const auto& old = spec_of(*previous);
        const bool same_holder = get_string_view(old, "holderIdentity") == config_.identity;
        if (same_holder && old.contains("acquireTime")) spec["acquireTime"] = old.at("acquireTime");
        spec["leaseTransitions"] = get_int(old, "leaseTransitions").value_or(0) + (same_holder ? 0 : 1);
    }
    return spec;
}

asio::awaitable<bool> LeaderElector::try_acquire_or_renew() {
    const auto lease_key = config_.lease_namespace + "/" + config_.lease_name;
    std::optional<json::object> lease;
    bool missing = false;
    try {
        lease = co_await client_.get(resources::leases, config_.lease_namespace, config_.lease_name);
    } catch (const ApiError& e) {
        if (!is_not_found(e)) throw;
        missing = true;
    }
    if (missing) {
        json::object fresh{{"apiVersion", "coordination.k8s.io/v1"},
                           {"kind", "Lease"},
                           {"metadata", {{"name", config_.lease_name}, {"namespace", config_.lease_namespace}}},
                           {"spec", lease_spec(nullptr)}};
        bool created = true;
        try {
            co_await client_.create(resources::leases, std::move(fresh));
        } catch (const ApiError& e) {
            if (!is_already_exists(e)) throw;
            created = false;  // another candidate was faster
        }
        std::lock_guard lock(mutex_);
        leader_ = created;
        if (created) {
            observed_holder_ = config_.identity;
            observed_time_ = steady_clock::now();
        }
        co_return created;
    }

    const auto& spec = spec_of(*lease);
    const std::string holder(get_string_view(spec, "holderIdentity"));
    {
        std::lock_guard lock(mutex_);
        const auto record = json::serialize(spec);
        if (record != observed_record_) {
            observed_record_ = record;
            observed_time_ = steady_clock::now();
        }
        observed_holder_ = holder;
        // The holder's own lease duration counts, as in client-go.
        auto duration = std::chrono::seconds(get_int(spec, "leaseDurationSeconds").value_or(0));
        if (duration <= std::chrono::seconds::zero()) duration = std::chrono::duration_cast<std::chrono::seconds>(config_.lease_duration);
        if (!holder.empty() && holder != config_.identity && observed_time_ + duration > steady_clock::now()) {
            leader_ = false;
            co_return false;
        }
    }

    json::object updated = *lease;
    updated["spec"] = lease_spec(&*lease);
    try {
        auto result = co_await client_.update(resources::leases, std::move(updated));
        std::lock_guard lock(mutex_);
        if (!leader_) log::info("became leader", {{"lease", boost::json::value(lease_key)}, {"identity", boost::json::value(config_.identity)}});
        leader_ = true;
        observed_holder_ = config_.identity;
        observed_record_ = json::serialize(spec_of(result));
        observed_time_ = steady_clock::now();
        co_return true;
    } catch (const ApiError& e) {
        if (!is_conflict(e)) throw;
    }
    std::lock_guard lock(mutex_);
    leader_ = false;
    co_return false;
}

asio::awaitable<bool> LeaderElector::acquire(std::stop_token stop) {
    const auto lease_key = config_.lease_namespace + "/" + config_.lease_name;
    log::info("waiting for leadership", {{"lease", boost::json::value(lease_key)}, {"identity", boost::json::value(config_.identity)}});
    while (!stop.stop_requested()) {
        bool won = false;
        try {
            won = co_await try_acquire_or_renew();
        } catch (const std::exception& e) {
            log::warn("leader election attempt failed", {{"lease", boost::json::value(lease_key)}, {"error", boost::json::value(e.what())}});
        }
        if (won) {
            leader_gauge(lease_key).set(1);
            co_return true;
        }
        if (!co_await sleep_for(config_.retry_period, stop)) break;
    }
    co_return false;
}

asio::awaitable<bool> LeaderElector::hold(std::stop_token stop) {
    const auto lease_key = config_.lease_namespace + "/" + config_.lease_name;
    auto last_renew = steady_clock::now();
    while (co_await sleep_for(config_.retry_period, stop)) {
        bool renewed = false;
        try {
            renewed = co_await try_acquire_or_renew();
        } catch (const std::exception& e) {
            log::warn("renewing the lease failed", {{"lease", boost::json::value(lease_key)}, {"error", boost::json::value(e.what())}});
        }
        if (renewed) {
            last_renew = steady_clock::now();
            continue;
        }
        const bool taken = !observed_holder().empty() && observed_holder() != config_.identity;
        if (taken || steady_clock::now() - last_renew > config_.renew_deadline) {
            {
                std::lock_guard lock(mutex_);
                leader_ = false;
            }
            leader_gauge(lease_key).set(0);
            log::error("leadership lost", {{"lease", boost::json::value(lease_key)}, {"identity", boost::json::value(config_.identity)},
                                           {"holder", json::value(observed_holder())}});
            co_return false;
        }
    }
    co_return true;
}

asio::awaitable<void> LeaderElector::release() {
    const auto lease_key = config_.lease_namespace + "/" + config_.lease_name;
    try {
        auto lease = co_await client_.get(resources::leases, config_.lease_namespace, config_.lease_name);
        if (get_string_view(spec_of(lease), "holderIdentity") == config_.identity) {
            // As client-go: no holder, a one-second lease, transitions kept.
            const auto now = now_rfc3339(Precision::microseconds);  // metav1.MicroTime
            auto transitions = get_int(spec_of(lease), "leaseTransitions").value_or(0);
            lease["spec"] = json::object{{"leaseDurationSeconds", 1},
                                         {"acquireTime", now},
                                         {"renewTime", now},
                                         {"leaseTransitions", transitions}};
            co_await client_.update(resources::leases, std::move(lease));
            log::info("released the lease", {{"lease", boost::json::value(lease_key)}, {"identity", boost::json::value(config_.identity)}});
        }
    } catch (const std::exception& e) {
        log::warn("releasing the lease failed", {{"lease", boost::json::value(lease_key)}, {"error", boost::json::value(e.what())}});
    }
    std::lock_guard lock(mutex_);
    leader_ = false;
    leader_gauge(lease_key).set(0);
}

}  // namespace sb::kube
