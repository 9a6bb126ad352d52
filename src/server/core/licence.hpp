#pragma once
// Licences are Ed25519-signed JSON documents verified offline:
//   {"payload": base64(JSON), "signature": base64(Ed25519 signature of the payload bytes)}
// payload: {"licensee", "edition": "single"|"multi", "maxClusters", "maxUsers",
//           "updatesUntil": "YYYY-MM-DD", "issuedAt": "YYYY-MM-DD"}
// Without a licence the server runs as the single-tenant edition with the
// default limits below.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sb::server {

enum class Edition { single_tenant, multi_tenant };

struct Licence {
    std::string licensee = "unlicensed";
    Edition edition = Edition::single_tenant;
    std::int64_t max_clusters = 1;
    std::int64_t max_users = 5;
    std::string updates_until;  // empty when unlicensed
    std::string issued_at;
    bool installed = false;
};

// The vendor's built-in public key (base64, 32 bytes).
std::string_view builtin_licence_public_key();
// This build's release date; a licence must cover it (updatesUntil >= it).
std::string_view release_date();

// Throws std::invalid_argument with a message fit for the user.
Licence verify_licence(std::string_view document, std::string_view public_key_base64);
// For the vendor's tooling and for tests: signs a payload with a base64 64-byte secret key.
std::string sign_licence(std::string_view payload_json, std::string_view secret_key_base64);

}  // namespace sb::server
