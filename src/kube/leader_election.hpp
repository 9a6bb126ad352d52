#pragma once
// Leader election on a coordination.k8s.io/v1 Lease, with client-go's rules:
// a candidate takes the lease when it is free or when its holder has not
// renewed it for lease_duration (measured on the candidate's own clock from
// when it last saw the lease change, so clock skew between machines does
// not matter); the leader renews every retry_period and gives up when it
// could not renew for renew_deadline; release() empties the holder so a
// successor takes over at once. Writes use the Lease's resourceVersion, so
// two candidates can never both win the same round.
//
//   LeaderElector elector(client, {.lease_namespace = "shapeblock", .lease_name = "operator", .identity = pod});
//   if (co_await elector.acquire(stop)) {
//       ... start controllers ...
//       bool stopped = co_await elector.hold(stop);  // false: leadership lost
//       ... stop controllers ...
//       if (stopped) co_await elector.release();
//   }
#include <boost/asio/awaitable.hpp>
#include <boost/json/object.hpp>
#include <chrono>
#include <mutex>
#include <stop_token>
#include <string>

#include "kube/client.hpp"

namespace sb::kube {

struct LeaderElectionConfig {
    std::string lease_namespace;
    std::string lease_name;
    std::string identity;                              // unique per candidate (pod name + random suffix)
    std::chrono::milliseconds lease_duration{15000};
    std::chrono::milliseconds renew_deadline{10000};
    std::chrono::milliseconds retry_period{2000};
};

class LeaderElector {
public:
    LeaderElector(Client client, LeaderElectionConfig config);

    // Tries every retry_period until this candidate leads (true) or stop is requested (false).
    boost::asio::awaitable<bool> acquire(std::stop_token stop);
    // Renews until stop is requested (true) or leadership is lost (false).
    boost::asio::awaitable<bool> hold(std::stop_token stop);
    // Gives the lease up if this candidate still holds it. Never throws.
    boost::asio::awaitable<void> release();

    // One attempt to take or renew the lease; true when this candidate holds it afterwards.
    boost::asio::awaitable<bool> try_acquire_or_renew();

    bool is_leader() const;
    const LeaderElectionConfig& config() const { return config_; }
    // The holder last seen on the lease ("" when none).
    std::string observed_holder() const;

private:
    boost::json::object lease_spec(const boost::json::object* previous) const;

    Client client_;
    LeaderElectionConfig config_;
    mutable std::mutex mutex_;
    bool leader_ = false;
    std::string observed_holder_;
    std::string observed_record_;  // serialized spec, to notice any change
    std::chrono::steady_clock::time_point observed_time_{};
};

}  // namespace sb::kube
