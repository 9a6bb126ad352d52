#include "server/agent/agent_hub.hpp"

#include "agent/codec.hpp"

namespace sb::server::agent {

namespace {
bool is_request(const sb::agent::Body& body) {
    return std::holds_alternative<sb::agent::Apply>(body) || std::holds_alternative<sb::agent::Delete>(body) ||
           std::holds_alternative<sb::agent::OpenLogs>(body) || std::holds_alternative<sb::agent::CloseLogs>(body) ||
           std::holds_alternative<sb::agent::AppSecret>(body);
}

// What is kept of a request until its ack: an appSecret without its values.
sb::agent::Body remembered(const sb::agent::Body& body) {
    if (const auto* secret = std::get_if<sb::agent::AppSecret>(&body))
        return sb::agent::AppSecret{secret->namespace_, secret->app, secret->purpose, {}};
    return body;
}
}  // namespace

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
