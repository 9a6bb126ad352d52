#include "agent/objects.hpp"

#include <array>

#include "agent/limits.hpp"
#include "common/json_fields.hpp"

namespace sb::agent {

namespace {

constexpr std::array<std::string_view, 4> kKinds = {"Project", "App", "AppBuild", "Service"};

// RFC 1123 label: lower-case alphanumerics and '-', starting and ending alphanumeric.
bool is_dns_label(std::string_view s, std::size_t max) {
    if (s.empty() || s.size() > max) return false;
    auto alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
    if (!alnum(s.front()) || !alnum(s.back())) return false;
    for (char c : s)
        if (!alnum(c) && c != '-') return false;
    return true;
}

Error forbidden(std::string message) {
    return Error{ErrorCode::forbidden, std::move(message)};
}

}  // namespace

bool is_shapeblock_kind(std::string_view kind) {
    for (auto k : kKinds)
        if (k == kind) return true;
    return false;
}

bool is_namespaced(std::string_view kind) {
    return kind != "Project";
}

std::optional<Error> check_ref(const ObjectRef& ref) {
    if (!is_shapeblock_kind(ref.kind))
        return forbidden("kind '" + ref.kind +
                         "' is not a ShapeBlock kind (Project, App, AppBuild, Service)");
    // A Project's name becomes a namespace: one DNS label. Others are labels too
    // because they name pods, Jobs and Helm releases.
    if (!is_dns_label(ref.name, 63))
        return Error{ErrorCode::malformed,
                     "metadata.name '" + ref.name +
                         "' must be a DNS-1123 label (a-z, 0-9, '-', at most 63)"};
    if (is_namespaced(ref.kind)) {
        if (!is_dns_label(ref.namespace_, 63))
            return Error{ErrorCode::malformed, ref.kind + " " + ref.name +
                                                   ": metadata.namespace must be a DNS-1123 label"};
    } else if (!ref.namespace_.empty()) {
        return Error{ErrorCode::malformed,
                     "a Project is cluster-scoped: metadata.namespace must be empty"};
    }
    return std::nullopt;
}

std::optional<Error> check_object(const boost::json::object& object, ObjectRef& ref) {
    const auto api_version = get_string_view(object, "apiVersion");
    ref.kind = get_string(object, "kind");
    ref.name = get_string(object, "metadata.name");
    ref.namespace_ = get_string(object, "metadata.namespace");
    if (api_version != kShapeBlockApiVersion)
        return forbidden("apiVersion '" + std::string(api_version) + "' is not " +
                         std::string(kShapeBlockApiVersion));
    return check_ref(ref);
}

std::string app_secret_name(std::string_view app, std::string_view purpose) {
    return std::string(app) + "-" + std::string(purpose);
}

namespace {

// An environment variable name (the App CRD's pattern) that is also a valid
// Secret key: [-._a-zA-Z][-._a-zA-Z0-9]*, not "." or "..", at most 253 bytes.
bool is_env_key(std::string_view key) {
    if (key.empty() || key.size() > kMaxSecretKeyBytes || key == "." || key.starts_with("..")) return false;
    auto letter = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-' || c == '.' || c == '_'; };
    if (!letter(key.front())) return false;
    for (char c : key)
        if (!letter(c) && !(c >= '0' && c <= '9')) return false;
    return true;
}

// A key in an error message: short, and only when it is printable.
std::string shown(std::string_view key) {
    std::string out;
    for (char c : key.substr(0, 64)) out += (c >= 0x20 && c < 0x7f) ? c : '?';
    return key.size() > 64 ? out + "..." : out;
}

}  // namespace

std::optional<Error> check_app_secret(const AppSecret& secret) {
    if (secret.purpose != "env" && secret.purpose != "git" && secret.purpose != "registry")
        return forbidden("purpose '" + shown(secret.purpose) + "' is not env, git or registry");
    if (!is_dns_label(secret.app, 63))
        return Error{ErrorCode::malformed, "app '" + shown(secret.app) + "' must be a DNS-1123 label (a-z, 0-9, '-', at most 63)"};
    if (!is_dns_label(secret.namespace_, 63))
        return Error{ErrorCode::malformed, "namespace '" + shown(secret.namespace_) + "' must be a DNS-1123 label"};
    if (secret.data.size() > kMaxSecretEntries)
        return Error{ErrorCode::too_large, "data holds more than " + std::to_string(kMaxSecretEntries) + " entries"};
    std::size_t bytes = 0;
    for (const auto& [key, value] : secret.data) {
        bytes += key.size() + value.size();
        bool allowed = secret.purpose == "env"   ? is_env_key(key)
                       : secret.purpose == "git" ? key == "token"
                                                 : key == ".dockerconfigjson";
        if (!allowed)
            return Error{ErrorCode::malformed,
                         "data key '" + shown(key) + "' is not allowed in the " + secret.purpose + " secret" +
                             (secret.purpose == "env"   ? " (an environment variable name: [-._a-zA-Z][-._a-zA-Z0-9]*)"
                              : secret.purpose == "git" ? " (only token)"
                                                        : " (only .dockerconfigjson)")};
    }
    if (bytes > kMaxSecretDataBytes)
        return Error{ErrorCode::too_large, "data holds " + std::to_string(bytes) + " bytes, over the " +
                                               std::to_string(kMaxSecretDataBytes) + "-byte limit"};
    return std::nullopt;
}

bool is_sha256_digest(std::string_view digest) {
    if (!digest.starts_with("sha256:") || digest.size() != 7 + 64) return false;
    for (char c : digest.substr(7))
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
    return true;
}

std::optional<Error> check_source_chunk(const SourceChunk& chunk) {
    if (chunk.upload_id.empty()) return Error{ErrorCode::malformed, "uploadId must not be empty"};
    if (!is_dns_label(chunk.app, 63))
        return Error{ErrorCode::malformed, "app '" + shown(chunk.app) + "' must be a DNS-1123 label (a-z, 0-9, '-', at most 63)"};
    if (!is_dns_label(chunk.namespace_, 63))
        return Error{ErrorCode::malformed, "namespace '" + shown(chunk.namespace_) + "' must be a DNS-1123 label"};
    if (chunk.offset < 0) return Error{ErrorCode::malformed, "offset must not be negative"};
    if (chunk.offset > (std::int64_t{1} << 50)) return Error{ErrorCode::too_large, "offset is beyond any upload"};
    if (chunk.data.size() > kMaxSourceChunkBytes)
        return Error{ErrorCode::too_large, "data holds " + std::to_string(chunk.data.size()) + " bytes, over the " +
                                               std::to_string(kMaxSourceChunkBytes) + "-byte limit of one piece"};
    if (!chunk.last) {
        if (!chunk.digest.empty() || chunk.size != 0)
            return Error{ErrorCode::malformed, "size and digest belong to the last piece only"};
        return std::nullopt;
    }
    if (!is_sha256_digest(chunk.digest))
        return Error{ErrorCode::malformed, "digest '" + shown(chunk.digest) + "' must be sha256: and 64 lower-case hex digits"};
    if (chunk.size != chunk.offset + static_cast<std::int64_t>(chunk.data.size()))
        return Error{ErrorCode::malformed, "size " + std::to_string(chunk.size) + " is not offset + the last piece's " +
                                               std::to_string(chunk.data.size()) + " bytes"};
    return std::nullopt;
}

}  // namespace sb::agent
