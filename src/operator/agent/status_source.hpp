#pragma once
// Turns the operator's informers of ShapeBlock objects into what the server
// hears: a Status for every change of an object's status (or its deletion),
// coalesced in a StatusOutbox, and a full snapshot after each (re)connect.
#include <functional>
#include <vector>

#include "agent/messages.hpp"
#include "kube/informer.hpp"
#include "operator/agent/status_outbox.hpp"

namespace sb::op::agent {

// The Status message of one ShapeBlock object of `kind`.
sb::agent::Status status_of(std::string_view kind, const boost::json::object& object,
                            bool deleted = false);

class StatusSource {
  public:
    struct Watched {
        std::string kind;
        kube::Informer* informer;
    };

    // Registers handlers on each informer; `changed` is called after each put
    // (the link wakes its writer).
    StatusSource(std::vector<Watched> watched, std::function<void()> changed);

    StatusOutbox& outbox() { return outbox_; }
    // Every cached object, in parts of at most kMaxSnapshotObjects.
    std::vector<sb::agent::Snapshot> snapshot() const;

  private:
    void put(sb::agent::Status status);

    std::vector<Watched> watched_;
    std::function<void()> changed_;
    StatusOutbox outbox_;
};

}  // namespace sb::op::agent
