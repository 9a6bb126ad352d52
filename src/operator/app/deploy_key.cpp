#include "operator/app/deploy_key.hpp"

#include <sodium.h>

#include <array>
#include <cstdint>
#include <cstring>
#include <stdexcept>

#include "common/base64.hpp"

namespace sb::op {

namespace {

constexpr std::string_view kKeyType = "ssh-ed25519";
constexpr std::string_view kMagic{"openssh-key-v1\0", 15};
constexpr std::string_view kPemBegin = "-----BEGIN OPENSSH PRIVATE KEY-----";
constexpr std::string_view kPemEnd = "-----END OPENSSH PRIVATE KEY-----";

void init_sodium() {
    if (sodium_init() < 0) throw std::runtime_error("libsodium could not be initialised");
}

// SSH wire format (RFC 4251): uint32 big endian, string = uint32 length + bytes.
void put_u32(std::string& out, std::uint32_t v) {
    for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<char>((v >> shift) & 0xff));
}
void put_string(std::string& out, std::string_view s) {
    put_u32(out, static_cast<std::uint32_t>(s.size()));
    out.append(s);
}

struct Reader {
    std::string_view data;
    std::uint32_t u32() {
        if (data.size() < 4) throw std::invalid_argument("truncated OpenSSH key");
        std::uint32_t v = 0;
        for (int i = 0; i < 4; ++i) v = (v << 8) | static_cast<unsigned char>(data[i]);
        data.remove_prefix(4);
        return v;
    }
    std::string_view string() {
        auto n = u32();
        if (data.size() < n) throw std::invalid_argument("truncated OpenSSH key");
        auto s = data.substr(0, n);
        data.remove_prefix(n);
        return s;
    }
};

std::string unbase64(std::string_view text) {
    auto bytes = try_base64_decode(text);
    if (!bytes) throw std::invalid_argument("OpenSSH key is not valid base64");
    return *bytes;
}

std::string public_blob(std::string_view public_key) {
    std::string blob;
    put_string(blob, kKeyType);
    put_string(blob, public_key);
    return blob;
}

std::string public_line(std::string_view public_key, std::string_view comment) {
    auto line = std::string(kKeyType) + " " + base64_encode(public_blob(public_key));
    if (!comment.empty()) line += " " + std::string(comment);
    return line;
}

}  // namespace

std::string deploy_key_comment(std::string_view ns, std::string_view app) {
    return "shapeblock-" + std::string(ns) + "-" + std::string(app);
}

DeployKey generate_deploy_key(std::string_view comment) {
    init_sodium();
    std::array<unsigned char, crypto_sign_PUBLICKEYBYTES> pk{};
    std::array<unsigned char, crypto_sign_SECRETKEYBYTES> sk{};  // seed (32) || public key (32), as OpenSSH stores it
    crypto_sign_keypair(pk.data(), sk.data());
    std::string_view pk_view(reinterpret_cast<const char*>(pk.data()), pk.size());
    std::string_view sk_view(reinterpret_cast<const char*>(sk.data()), sk.size());

    // The private section: two equal check integers, the key, the comment,
    // then padding 1, 2, 3, ... to the cipher block size (8 for "none").
    std::string priv;
    std::uint32_t check = randombytes_random();
    put_u32(priv, check);
    put_u32(priv, check);
    put_string(priv, kKeyType);
    put_string(priv, pk_view);
    put_string(priv, sk_view);
    put_string(priv, comment);
    for (char pad = 1; priv.size() % 8 != 0; ++pad) priv.push_back(pad);

    std::string body(kMagic);
    put_string(body, "none");  // cipher
    put_string(body, "none");  // kdf
    put_string(body, "");      // kdf options
    put_u32(body, 1);          // number of keys
    put_string(body, public_blob(pk_view));
    put_string(body, priv);
    sodium_memzero(priv.data(), priv.size());
    sodium_memzero(sk.data(), sk.size());

    auto encoded = base64_encode(body);
    sodium_memzero(body.data(), body.size());
    DeployKey key;
    key.private_key_pem = std::string(kPemBegin) + "\n";
    for (std::size_t i = 0; i < encoded.size(); i += 70) key.private_key_pem += encoded.substr(i, 70) + "\n";
    key.private_key_pem += std::string(kPemEnd) + "\n";
    sodium_memzero(encoded.data(), encoded.size());
    key.public_key = public_line(pk_view, comment);
    return key;
}

std::string public_key_from_private(std::string_view pem) {
    init_sodium();
    auto begin = pem.find(kPemBegin);
    auto end = pem.find(kPemEnd);
    if (begin == std::string_view::npos || end == std::string_view::npos || end < begin)
        throw std::invalid_argument("not an OpenSSH private key (PEM markers missing)");
    auto body = unbase64(pem.substr(begin + kPemBegin.size(), end - begin - kPemBegin.size()));
    if (!std::string_view(body).starts_with(kMagic)) throw std::invalid_argument("not an openssh-key-v1 key");
    Reader r{std::string_view(body).substr(kMagic.size())};
    if (r.string() != "none" || r.string() != "none")
        throw std::invalid_argument("encrypted OpenSSH keys are not supported");
    r.string();  // kdf options
    if (r.u32() != 1) throw std::invalid_argument("expected exactly one key");
    Reader pub{r.string()};
    if (pub.string() != kKeyType) throw std::invalid_argument("not an ed25519 key");
    auto public_key = pub.string();
    if (public_key.size() != crypto_sign_PUBLICKEYBYTES) throw std::invalid_argument("bad ed25519 public key length");
    Reader priv{r.string()};
    if (priv.u32() != priv.u32()) throw std::invalid_argument("OpenSSH key check integers differ");
    if (priv.string() != kKeyType) throw std::invalid_argument("not an ed25519 key");
    if (priv.string() != public_key) throw std::invalid_argument("public and private parts do not match");
    auto secret = priv.string();
    if (secret.size() != crypto_sign_SECRETKEYBYTES) throw std::invalid_argument("bad ed25519 private key length");
    // The secret key's second half is the public key; check it is derived from the seed.
    std::array<unsigned char, crypto_sign_PUBLICKEYBYTES> derived{};
    std::array<unsigned char, crypto_sign_SECRETKEYBYTES> sk{};
    crypto_sign_seed_keypair(derived.data(), sk.data(), reinterpret_cast<const unsigned char*>(secret.data()));
    sodium_memzero(sk.data(), sk.size());
    if (std::memcmp(derived.data(), public_key.data(), derived.size()) != 0)
        throw std::invalid_argument("ed25519 private key does not match its public key");
    auto comment = priv.string();
    return public_line(public_key, comment);
}

}  // namespace sb::op
