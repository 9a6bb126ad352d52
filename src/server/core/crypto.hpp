#pragma once
// Small wrappers around libsodium: random tokens, hashing of high-entropy
// tokens, and the secret box for data encrypted at rest.
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sb::server::crypto {

void init();  // sodium_init, throws when it fails
std::string random_hex(std::size_t bytes);
// "<prefix>_<64 hex chars>": API tokens (sbp), session ids (sbs), agent tokens (sba).
std::string new_token(std::string_view prefix);
// Tokens are 256-bit random values, so a fast hash is the right one to store.
std::string token_hash(std::string_view token);
bool equal_constant_time(std::string_view a, std::string_view b);

// Object ids: 12 hex digits of milliseconds since the epoch, then 8 random hex
// digits, so ids sort by creation time (used as pagination cursors); ids made
// by one process sort in the order they were made, even within a millisecond.
std::string new_id();
std::int64_t now_ms();

using MasterKey = std::array<unsigned char, 32>;
// From base64 text (env SB_MASTER_KEY) or a file holding base64 text.
MasterKey parse_master_key(std::string_view base64_text);
// Reads the key file, creating it (mode 0600) with a fresh key when missing.
MasterKey load_or_create_master_key(const std::string& path);
// Reads an existing key file; throws when it is missing or malformed.
MasterKey read_master_key_file(const std::string& path);
// Writes the key (mode 0600) to a temporary file, syncs it, and renames it
// over `path`: the file holds either the old or the new key, never a part.
void write_master_key_file(const std::string& path, const MasterKey& key);
MasterKey random_master_key();

class SecretBox {
public:
    explicit SecretBox(const MasterKey& key) : key_(key) {}
    // "v1:" + base64(nonce || ciphertext)
    std::string seal(std::string_view plaintext) const;
    std::string open(std::string_view sealed) const;  // throws when tampered with or the key is wrong

private:
    MasterKey key_;
};

}  // namespace sb::server::crypto
