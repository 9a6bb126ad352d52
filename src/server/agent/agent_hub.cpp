#include "server/agent/agent_hub.hpp"

#include <boost/json/serialize.hpp>
#include <functional>

#include "agent/codec.hpp"
#include "agent/objects.hpp"

namespace sb::server::agent {

namespace {
bool is_request(const sb::agent::Body& body) {
    return std::holds_alternative<sb::agent::Apply>(body) || std::holds_alternative<sb::agent::Delete>(body) ||
           std::holds_alternative<sb::agent::OpenLogs>(body) || std::holds_alternative<sb::agent::CloseLogs>(body) ||
           std::holds_alternative<sb::agent::AppSecret>(body) || std::holds_alternative<sb::agent::SourceChunk>(body) ||
           std::holds_alternative<sb::agent::ReadServiceCredentials>(body);
}

// What is kept of a request until its ack: an appSecret without its values,
// a piece of an upload without its bytes.
sb::agent::Body remembered(const sb::agent::Body& body) {
    if (const auto* secret = std::get_if<sb::agent::AppSecret>(&body))
        return sb::agent::AppSecret{secret->namespace_, secret->app, secret->purpose, {}};
    if (const auto* chunk = std::get_if<sb::agent::SourceChunk>(&body)) {
        auto kept = *chunk;
        kept.data.clear();
        return kept;
    }
    return body;
}
// The object a part of the desired state is about, and a fingerprint of
// what it asks (its values are hashed in memory only, never kept).
struct DesiredEntry {
    std::string key;
    std::size_t fingerprint = 0;
};
std::string object_key(const sb::agent::ObjectRef& ref) { return ref.kind + '/' + ref.namespace_ + '/' + ref.name; }

std::optional<DesiredEntry> desired_entry(const sb::agent::Body& body) {
    if (const auto* apply = std::get_if<sb::agent::Apply>(&body)) {
        sb::agent::ObjectRef ref;
        if (sb::agent::check_object(apply->object, ref)) return std::nullopt;
        return DesiredEntry{object_key(ref), std::hash<std::string>{}(boost::json::serialize(apply->object))};
    }
    if (const auto* secret = std::get_if<sb::agent::AppSecret>(&body)) {
        std::string all;
        for (const auto& [key, value] : secret->data) all.append(key).append(1, '\0').append(value).append(1, '\0');
        return DesiredEntry{"Secret/" + secret->namespace_ + '/' + secret->app + '/' + secret->purpose,
                            std::hash<std::string>{}(all)};
    }
    if (const auto* del = std::get_if<sb::agent::Delete>(&body))
        return DesiredEntry{"delete:" + object_key(del->object), 0};
    return std::nullopt;
}
}  // namespace

std::string AgentConnection::send_desired(sb::agent::Body body) {
    if (auto entry = desired_entry(body)) {
        auto [it, added] = desired_sent_.try_emplace(entry->key, entry->fingerprint);
        if (!added && it->second == entry->fingerprint) return {};
        it->second = entry->fingerprint;
        // A delete makes the next apply of that object new again, and the reverse.
        if (const auto* del = std::get_if<sb::agent::Delete>(&body))
            desired_sent_.erase(object_key(del->object));
        else if (std::holds_alternative<sb::agent::Apply>(body))
            desired_sent_.erase("delete:" + entry->key);
    }
    return send(std::move(body));
}

void AgentConnection::forget_object(const sb::agent::ObjectRef& object) {
    desired_sent_.erase(object_key(object));
}

void AgentConnection::forget_desired(const sb::agent::Body& request) {
    if (auto entry = desired_entry(request)) desired_sent_.erase(entry->key);
}

std::string AgentConnection::send(sb::agent::Body body) {
    std::string id;
    if (is_request(body)) {
        id = "s-" + std::to_string(next_id_++);
        requests_.emplace(id, remembered(body));
    }
    outbox_.push_back(sb::agent::encode(sb::agent::Message{id, std::move(body)}));
    wake();
    return id;
}

std::optional<sb::agent::Body> AgentConnection::take_request(const std::string& id) {
    auto it = requests_.find(id);
    if (it == requests_.end()) return std::nullopt;
    auto body = std::move(it->second);
    requests_.erase(it);
    return body;
}

std::string AgentConnection::pop_outgoing() {
    auto frame = std::move(outbox_.front());
    outbox_.pop_front();
    return frame;
}

void AgentConnection::close(std::uint16_t code, std::string reason) {
    if (!closing_) closing_ = Closing{code, std::move(reason)};
    wake();
}

std::shared_ptr<AgentConnection> AgentHub::attach(std::shared_ptr<AgentConnection> connection) {
    auto& slot = live_[connection->cluster_id()];
    auto previous = std::exchange(slot, std::move(connection));
    if (previous) previous->close(4000, "replaced by a newer connection of this cluster");
    return previous;
}

bool AgentHub::detach(const AgentConnection& connection) {
    auto it = live_.find(connection.cluster_id());
    if (it == live_.end() || it->second.get() != &connection) return false;
    live_.erase(it);
    return true;
}

std::shared_ptr<AgentConnection> AgentHub::find(const std::string& cluster_id) const {
    auto it = live_.find(cluster_id);
    return it == live_.end() ? nullptr : it->second;
}

void AgentHub::close_all() {
    auto live = std::move(live_);
    live_.clear();
    for (auto& [_, connection] : live) connection->close(1001, "the server is shutting down");
}

}  // namespace sb::server::agent
