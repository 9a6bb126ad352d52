#pragma once
// Encoding and decoding of agent messages (one WebSocket text frame each).
// Decoding never throws: bytes from the other end are untrusted.
#include <string>
#include <string_view>
#include <variant>

#include "agent/messages.hpp"

namespace sb::agent {

std::string encode(const Message& message);

// Why a frame was not a message. `id` is the frame's id when it could be read,
// so the receiver can answer with an error Ack instead of closing.
struct DecodeFailure {
    Error error;
    std::string id;
};

using DecodeResult = std::variant<Message, DecodeFailure>;

// Decodes one frame sent by `from`: a message type the other side may not send
// is refused as unknown_type, a frame above kMaxMessageBytes as too_large.
DecodeResult decode(std::string_view frame, Sender from);

}  // namespace sb::agent
