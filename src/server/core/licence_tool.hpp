#pragma once
// The vendor's side of licences, used by `shapeblock-server licence-keygen`
// and `shapeblock-server sign-licence`: making a signing key pair and signing
// a licence with a private key file. The private key never belongs in the
// repository; the server only embeds the public half (licence.cpp).
#include <cstdint>
#include <string>

namespace sb::server {

struct LicenceTerms {
    std::string licensee;
    std::string edition = "single";  // single | multi
    std::int64_t max_clusters = 1;
    std::int64_t max_users = 5;
    std::string updates_until;       // YYYY-MM-DD
    std::string issued_at;           // YYYY-MM-DD; today (UTC) when empty
};

// Writes a new Ed25519 secret key (base64 of libsodium's 64-byte form) to
// `path` with mode 0600, refusing to overwrite; returns the public key (base64).
std::string generate_licence_key_file(const std::string& path);
// The public key (base64) of a secret key file.
std::string licence_public_key_of(const std::string& secret_key_path);
// Signs the terms and checks the result with verify_licence, so a document
// this returns is one the server accepts (given the matching public key).
// Throws std::invalid_argument naming what is wrong.
std::string sign_licence_with_key_file(const LicenceTerms& terms, const std::string& secret_key_path);

}  // namespace sb::server
