#include "agent/source_digest.hpp"

#include <openssl/evp.h>

#include <stdexcept>

namespace sb::agent {

struct SourceDigest::State {
    EVP_MD_CTX* context = EVP_MD_CTX_new();
    State() {
        if (!context || EVP_DigestInit_ex(context, EVP_sha256(), nullptr) != 1) throw std::runtime_error("SHA-256 is not available");
    }
    ~State() { EVP_MD_CTX_free(context); }
};

SourceDigest::SourceDigest() : state_(std::make_unique<State>()) {}
SourceDigest::~SourceDigest() = default;
SourceDigest::SourceDigest(SourceDigest&&) noexcept = default;
SourceDigest& SourceDigest::operator=(SourceDigest&&) noexcept = default;

void SourceDigest::update(std::string_view bytes) { EVP_DigestUpdate(state_->context, bytes.data(), bytes.size()); }

std::string SourceDigest::finish() {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    EVP_DigestFinal_ex(state_->context, digest, &length);
    EVP_DigestInit_ex(state_->context, EVP_sha256(), nullptr);
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out = "sha256:";
    for (unsigned int i = 0; i < length; ++i) {
        out += kHex[digest[i] >> 4];
        out += kHex[digest[i] & 0xf];
    }
    return out;
}

}  // namespace sb::agent
