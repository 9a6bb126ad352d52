#include "server/agent/source_relay.hpp"

#include <boost/json/value.hpp>

#include "agent/limits.hpp"
#include "agent/source_digest.hpp"
#include "common/log.hpp"
#include "server/agent/agent_hub.hpp"
#include "server/agent/awaited_request.hpp"
#include "server/core/api_error.hpp"
#include "server/core/crypto.hpp"
#include "server/core/state.hpp"
#include "server/http/message.hpp"

namespace sb::server::agent {
namespace asio = boost::asio;
using namespace std::chrono_literals;

namespace {

// A piece is acked once the operator has it; the last one once the archive is stored.
constexpr auto kPieceAckTimeout = 60s;
constexpr auto kStoredAckTimeout = 300s;

// "64 KiB", "2 MiB", "1.5 GiB": one decimal at most.
std::string size_text(std::uint64_t bytes) {
    const char* units[] = {"bytes", "KiB", "MiB", "GiB"};
    int unit = 0;
    std::uint64_t scale = 1;
    while (unit < 3 && bytes >= scale * 1024) {
        scale *= 1024;
        ++unit;
    }
    const auto tenths = (bytes * 10 + scale / 2) / scale;
    return std::to_string(tenths / 10) + (tenths % 10 ? "." + std::to_string(tenths % 10) : "") + " " + units[unit];
}

ApiError too_large(std::uint64_t limit, const std::string& what) {
    return ApiError(413, "payload_too_large",
                    what + " is larger than this server's source upload limit of " + size_text(limit) + " (" + std::to_string(limit) +
                        " bytes, --source-upload-limit): leave build output and dependencies out (.gitignore, .dockerignore)");
}

ApiError disconnected() {
    return ApiError(503, "cluster_unavailable", "the app's cluster is not connected: its source cannot be uploaded now");
}

// The operator's refusal as the client's error.
ApiError refusal(const sb::agent::Error& e) {
    using sb::agent::ErrorCode;
    switch (e.code) {
        case ErrorCode::unavailable:
            return ApiError(503, "cluster_unavailable", "the app's cluster could not store the source: " + e.message);
        case ErrorCode::not_found:
            return ApiError(409, "conflict", "the app's cluster cannot store its source yet: " + e.message);
        case ErrorCode::too_large:
            return ApiError(413, "payload_too_large", "the app's cluster refused the source: " + e.message);
        case ErrorCode::unknown_type:
            return ApiError(409, "conflict", "the app's cluster runs an operator that takes no source uploads: upgrade it");
        default:
            return ApiError(502, "cluster_error", "the app's cluster refused the source: " + e.message);
    }
}

// Sends one piece and waits for its ack.
asio::awaitable<void> send_piece(ServerState& state, std::string cluster_id, sb::agent::SourceChunk piece,
                                 std::chrono::seconds timeout) {
    sb::agent::Body request{std::move(piece)};
    auto answer = co_await send_and_wait(state, std::move(cluster_id), std::move(request), timeout,
                                         "the app's source cannot be uploaded now");
    const auto* ack = std::get_if<sb::agent::Ack>(&answer);
    if (!ack) throw ApiError(502, "cluster_error", "the app's cluster answered a source piece with something else than an ack");
    if (ack->error) throw refusal(*ack->error);
}

}  // namespace

asio::awaitable<StoredSource> relay_source(ServerState& state, SourceDestination where, BodySource& body, std::uint64_t limit) {
    if (auto announced = body.announced_length(); announced && *announced > limit)
        throw too_large(limit, "the upload (" + size_text(*announced) + ")");
    auto connection = state.agents.find(where.cluster_id);
    if (!connection || connection->closing()) throw disconnected();
    if (!connection->capabilities.contains("sourceUpload"))
        throw ApiError(409, "conflict", "the app's cluster runs an operator that takes no source uploads: upgrade it");
    connection.reset();  // looked up again for every piece: it may be replaced meanwhile

    const std::string upload_id = "up-" + crypto::new_id();
    sb::agent::SourceDigest digest;
    std::uint64_t offset = 0;
    // One piece read ahead: a piece is sent once it is known whether it is the last.
    std::string piece = co_await body.read(sb::agent::kMaxSourceChunkBytes);
    if (piece.empty()) throw ApiError(400, "invalid_body", "the upload is empty: send a tar.gz of the app's directory");
    if (piece.size() < 2 || static_cast<unsigned char>(piece[0]) != 0x1f || static_cast<unsigned char>(piece[1]) != 0x8b)
        throw ApiError(400, "invalid_body", "the upload is not gzip data: send a tar.gz of the app's directory");
    for (;;) {
        if (offset + piece.size() > limit) throw too_large(limit, "the upload");
        std::string next = co_await body.read(sb::agent::kMaxSourceChunkBytes);
        digest.update(piece);
        sb::agent::SourceChunk chunk{upload_id, where.namespace_, where.app, static_cast<std::int64_t>(offset), std::move(piece),
                                     next.empty(), 0, ""};
        offset += chunk.data.size();
        if (chunk.last) {
            chunk.size = static_cast<std::int64_t>(offset);
            chunk.digest = digest.finish();
            StoredSource stored{chunk.digest, chunk.size};
            co_await send_piece(state, where.cluster_id, std::move(chunk), kStoredAckTimeout);
            sb::log::info("source stored in its cluster", {{"cluster", boost::json::value(where.cluster_id)},
                                                           {"app", boost::json::value(where.namespace_ + "/" + where.app)},
                                                           {"digest", boost::json::value(stored.digest)},
                                                           {"bytes", boost::json::value(stored.size)}});
            co_return stored;
        }
        co_await send_piece(state, where.cluster_id, std::move(chunk), kPieceAckTimeout);
        piece = std::move(next);
    }
}

}  // namespace sb::server::agent
