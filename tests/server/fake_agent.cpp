#include "tests/server/fake_agent.hpp"

#include <stdexcept>

#include "agent/codec.hpp"

namespace sb::server::testing {

sb::agent::Hello test_hello(const std::string& cluster_id) {
    sb::agent::Hello hello;
    hello.cluster_id = cluster_id;
    hello.operator_version = "0.1.0-test";
    hello.kubernetes_version = "v1.31.4";
    hello.protocol_versions = {1};
    hello.capabilities = {"apply", "logs"};
    hello.capacity = {3, 6000, 12LL << 30};
    return hello;
}

FakeAgent::FakeAgent(int port, const std::string& token) : ws_(port, "/api/v1/agent", token) {}

void FakeAgent::send(const sb::agent::Message& message) { ws_.send(sb::agent::encode(message)); }

std::optional<sb::agent::Message> FakeAgent::receive(std::chrono::milliseconds timeout) {
    auto frame = ws_.read(timeout);
    if (!frame) return std::nullopt;
    auto decoded = sb::agent::decode(*frame, sb::agent::Sender::server);
    if (auto* failure = std::get_if<sb::agent::DecodeFailure>(&decoded))
        throw std::runtime_error("the server sent an undecodable frame: " + failure->error.message + ": " + *frame);
    return std::get<sb::agent::Message>(decoded);
}

sb::agent::Welcome FakeAgent::handshake(const std::string& cluster_id) {
    send({"", test_hello(cluster_id)});
    auto welcome = expect<sb::agent::Welcome>();
    if (!welcome) throw std::runtime_error("no welcome from the server");
    send({"", sb::agent::Snapshot{0, true, {}}});
    return welcome->second;
}


}  // namespace sb::server::testing
