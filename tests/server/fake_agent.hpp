#pragma once
// A cluster's operator as the server tests play it: speaks the agent protocol
// over a real WebSocket to the server under test, through the shared codec.
#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "agent/messages.hpp"
#include "tests/server/api_client.hpp"

namespace sb::server::testing {

class FakeAgent {
public:
    // Connects with the agent token (throws when the server refuses it).
    FakeAgent(int port, const std::string& token);
    void send(const sb::agent::Message& message);
    void send_raw(const std::string& frame) { ws_.send(frame); }
    // The next message from the server; nullopt when the connection ended or
    // nothing came within the timeout.
    std::optional<sb::agent::Message> receive(std::chrono::milliseconds timeout = std::chrono::seconds(10));
    // Messages until one of type T arrives (others are dropped): nullopt when none came.
    template <typename T>
    std::optional<std::pair<std::string, T>> expect(std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
        for (;;) {
            auto m = receive(timeout);
            if (!m) return std::nullopt;
            if (auto* body = std::get_if<T>(&m->body)) return std::make_pair(m->id, *body);
        }
    }
    // hello, welcome, an empty last snapshot: the connection is then live.
    sb::agent::Welcome handshake(const std::string& cluster_id = "");

private:
    WsClient ws_;
};

sb::agent::Hello test_hello(const std::string& cluster_id = "");

}  // namespace sb::server::testing
