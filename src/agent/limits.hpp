#pragma once
// Sizes both ends enforce (docs/agent-protocol.md, "Limits").
#include <cstddef>

namespace sb::agent {

// One WebSocket message; a larger one closes the connection (1009).
inline constexpr std::size_t kMaxMessageBytes = 1 << 20;
// One log chunk's data; the operator splits longer output.
inline constexpr std::size_t kMaxLogChunkBytes = 64 * 1024;
// Objects in one snapshot part.
inline constexpr std::size_t kMaxSnapshotObjects = 200;
// Log streams one connection may hold open.
inline constexpr std::size_t kMaxOpenLogStreams = 64;
// Ids, names and versions.
inline constexpr std::size_t kMaxIdBytes = 128;
// One appSecret: its entries, one key, and all keys and values together (a
// Kubernetes Secret holds at most 1 MiB, and the frame must fit too).
inline constexpr std::size_t kMaxSecretEntries = 500;
inline constexpr std::size_t kMaxSecretKeyBytes = 253;
inline constexpr std::size_t kMaxSecretDataBytes = 512 * 1024;
// A serviceCredentials answer: its entries and one value.
inline constexpr std::size_t kMaxCredentialEntries = 32;
inline constexpr std::size_t kMaxCredentialValueBytes = 4096;
// One sourceChunk's data before base64 (which makes it 4/3 larger: the frame
// stays well under kMaxMessageBytes).
inline constexpr std::size_t kMaxSourceChunkBytes = 512 * 1024;

}  // namespace sb::agent
