#include "server/db/pg_auth.hpp"

#include <openssl/evp.h>
#include <sodium.h>

#include <array>
#include <charconv>
#include <stdexcept>
#include <vector>

namespace sb::server::db::pg {
namespace {

using Digest = std::array<unsigned char, crypto_hash_sha256_BYTES>;
constexpr long max_scram_iterations = 1'000'000;  // a hostile server cannot make us spin for minutes

Digest hmac(std::string_view key, std::string_view message) {
    crypto_auth_hmacsha256_state state;
    crypto_auth_hmacsha256_init(&state, reinterpret_cast<const unsigned char*>(key.data()), key.size());
    crypto_auth_hmacsha256_update(&state, reinterpret_cast<const unsigned char*>(message.data()), message.size());
    Digest out;
    crypto_auth_hmacsha256_final(&state, out.data());
    return out;
}

std::string_view view(const Digest& d) { return {reinterpret_cast<const char*>(d.data()), d.size()}; }

Digest sha256(const Digest& in) {
    Digest out;
    crypto_hash_sha256(out.data(), in.data(), in.size());
    return out;
}

// Hi() of RFC 5802: PBKDF2-HMAC-SHA-256 with one output block.
Digest salted_password(std::string_view password, std::string_view salt, long iterations) {
    std::string first(salt);
    first.append("\0\0\0\1", 4);
    Digest u = hmac(password, first);
    Digest result = u;
    for (long i = 1; i < iterations; ++i) {
        u = hmac(password, view(u));
        for (std::size_t b = 0; b < result.size(); ++b) result[b] ^= u[b];
    }
    return result;
}

std::string base64(std::string_view bytes) {
    std::string out(sodium_base64_encoded_len(bytes.size(), sodium_base64_VARIANT_ORIGINAL), '\0');
    sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(),
                      sodium_base64_VARIANT_ORIGINAL);
    out.resize(out.size() - 1);  // the terminating NUL
    return out;
}

std::string unbase64(std::string_view text) {
    std::string out(text.size(), '\0');
    std::size_t length = 0;
    if (sodium_base642bin(reinterpret_cast<unsigned char*>(out.data()), out.size(), text.data(), text.size(), nullptr,
                          &length, nullptr, sodium_base64_VARIANT_ORIGINAL) != 0)
        throw std::runtime_error("SCRAM: invalid base64 from the server");
    out.resize(length);
    return out;
}

// The value of "<key>=" among the comma-separated attributes.
std::string_view attribute(std::string_view message, char key) {
    std::size_t pos = 0;
    while (pos <= message.size()) {
        auto end = message.find(',', pos);
        auto part = message.substr(pos, end == std::string_view::npos ? std::string_view::npos : end - pos);
        if (part.size() >= 2 && part[0] == key && part[1] == '=') return part.substr(2);
        if (end == std::string_view::npos) break;
        pos = end + 1;
    }
    throw std::runtime_error(std::string("SCRAM: the server's message lacks '") + key + "='");
}

std::string hex(const unsigned char* bytes, std::size_t n) {
    static constexpr char digits[] = "0123456789abcdef";
    std::string out;
    for (std::size_t i = 0; i < n; ++i) {
        out.push_back(digits[bytes[i] >> 4]);
        out.push_back(digits[bytes[i] & 15]);
    }
    return out;
}

std::string md5_hex(std::string_view data) {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    if (EVP_Digest(data.data(), data.size(), digest, &length, EVP_md5(), nullptr) != 1)
        throw std::runtime_error("MD5 is not available in this OpenSSL (FIPS mode?); use SCRAM-SHA-256 passwords");
    return hex(digest, length);
}

}  // namespace

ScramSha256::ScramSha256(std::string password, std::string user, std::string client_nonce)
    : password_(std::move(password)), client_nonce_(std::move(client_nonce)) {
    if (client_nonce_.empty()) {
        std::array<unsigned char, 18> random;
        randombytes_buf(random.data(), random.size());
        client_nonce_ = base64({reinterpret_cast<const char*>(random.data()), random.size()});
    }
    client_first_bare_ = "n=" + user + ",r=" + client_nonce_;
}

std::string ScramSha256::client_first() const { return "n,," + client_first_bare_; }

std::string ScramSha256::client_final(std::string_view server_first) {
    auto nonce = attribute(server_first, 'r');
    if (!nonce.starts_with(client_nonce_) || nonce.size() == client_nonce_.size())
        throw std::runtime_error("SCRAM: the server's nonce does not extend ours");
    auto salt = unbase64(attribute(server_first, 's'));
    auto iterations_text = attribute(server_first, 'i');
    long iterations = 0;
    auto [end, ec] = std::from_chars(iterations_text.data(), iterations_text.data() + iterations_text.size(), iterations);
    if (ec != std::errc() || end != iterations_text.data() + iterations_text.size() || iterations < 1 ||
        iterations > max_scram_iterations)
        throw std::runtime_error("SCRAM: unacceptable iteration count '" + std::string(iterations_text) + "'");

    Digest salted = salted_password(password_, salt, iterations);
    Digest client_key = hmac(view(salted), "Client Key");
    Digest stored_key = sha256(client_key);
    std::string without_proof = "c=biws,r=" + std::string(nonce);  // biws = base64("n,,")
    std::string auth_message = client_first_bare_ + "," + std::string(server_first) + "," + without_proof;
    Digest proof = hmac(view(stored_key), auth_message);
    for (std::size_t i = 0; i < proof.size(); ++i) proof[i] ^= client_key[i];
    expected_server_signature_ = base64(view(hmac(view(hmac(view(salted), "Server Key")), auth_message)));
    sodium_memzero(salted.data(), salted.size());
    return without_proof + ",p=" + base64(view(proof));
}

void ScramSha256::verify_server_final(std::string_view server_final) const {
    if (server_final.starts_with("e=")) throw std::runtime_error("SCRAM: the server refused: " + std::string(server_final.substr(2)));
    if (expected_server_signature_.empty() || attribute(server_final, 'v') != expected_server_signature_)
        throw std::runtime_error("SCRAM: the server's signature is wrong (not the server that holds the password)");
}

std::string md5_password(std::string_view user, std::string_view password, std::string_view salt) {
    std::string inner = md5_hex(std::string(password) + std::string(user));
    return "md5" + md5_hex(inner + std::string(salt));
}

}  // namespace sb::server::db::pg
