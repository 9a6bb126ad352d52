// Fuzzes the agent protocol's decoder on both ends: the first byte picks
// which side receives the frame (the server reads the operator's messages
// and the reverse), the rest is the WebSocket frame. Any frame must decode to
// a message or to a failure with a code and a reason; a message that decodes
// must encode and decode again to itself.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "agent/codec.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    const auto from = data[0] % 2 ? sb::agent::Sender::op : sb::agent::Sender::server;
    const std::string_view frame(reinterpret_cast<const char*>(data + 1), size - 1);
    auto result = sb::agent::decode(frame, from);
    if (const auto* failure = std::get_if<sb::agent::DecodeFailure>(&result)) {
        if (failure->error.message.empty()) {
            std::fprintf(stderr, "a decode failure without a reason\n");
            std::abort();
        }
        return 0;
    }
    const auto& message = std::get<sb::agent::Message>(result);
    auto again = sb::agent::decode(sb::agent::encode(message), from);
    if (!std::holds_alternative<sb::agent::Message>(again) || std::get<sb::agent::Message>(again) != message) {
        std::fprintf(stderr, "a decoded message does not survive encode + decode\n");
        std::abort();
    }
    return 0;
}
