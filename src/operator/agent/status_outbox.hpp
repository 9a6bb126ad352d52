#pragma once
// Status changes waiting to be sent to the server, at most one per object:
// a newer status of an object replaces the one still waiting, in its place
// in the queue. So the server always learns every object's latest state,
// and while it is away memory grows with the number of objects, never with
// the number of changes or the length of the outage.
#include <cstddef>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <tuple>

#include "agent/messages.hpp"

namespace sb::op::agent {

class StatusOutbox {
  public:
    void put(sb::agent::Status status);
    // The oldest waiting change, removed from the outbox.
    std::optional<sb::agent::Status> take();
    // Forget everything: after a reconnect the snapshot says it all.
    void clear();

    std::size_t size() const { return pending_.size(); }
    bool empty() const { return pending_.empty(); }

  private:
    using Key = std::tuple<std::string, std::string, std::string>;  // kind, namespace, name
    static Key key_of(const sb::agent::ObjectRef& ref) {
        return {ref.kind, ref.namespace_, ref.name};
    }

    std::map<Key, sb::agent::Status> pending_;
    std::deque<Key> order_;  // each key once, oldest first
};

}  // namespace sb::op::agent
