#include "server/webhooks/signature.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <cctype>
#include <stdexcept>

namespace sb::server::webhooks {

namespace {

bool equal_constant_time(std::string_view a, std::string_view b) {
    return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::string lower(std::string_view s) {
    std::string out(s);
    for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

Verification check_hmac(const HeaderLookup& header, std::string_view name, std::string_view prefix, std::string_view body,
                        std::string_view secret, std::string_view where) {
    Verification v;
    v.header = std::string(name);
    auto given = header(lower(name));
    if (!given || given->empty()) {
        v.error = "the delivery has no " + std::string(name) + " header: set the webhook's secret in " + std::string(where);
        return v;
    }
    std::string_view value = *given;
    if (!prefix.empty()) {
        if (!value.starts_with(prefix)) {
            v.error = std::string(name) + " must be " + std::string(prefix) + "<hex HMAC-SHA256 of the body>";
            return v;
        }
        value.remove_prefix(prefix.size());
    }
    if (!equal_constant_time(lower(value), hmac_sha256_hex(secret, body))) {
        v.error = std::string(name) +
                  " does not match the body: the secret set in " + std::string(where) +
                  " is not this webhook's current secret (rotated?), or the body was changed on the way";
        return v;
    }
    v.ok = true;
    return v;
}

}  // namespace

std::string hmac_sha256_hex(std::string_view key, std::string_view body) {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    if (!HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(body.data()),
              body.size(), digest, &length))
        throw std::runtime_error("HMAC-SHA256 failed");
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out;
    out.reserve(length * 2);
    for (unsigned int i = 0; i < length; ++i) {
        out.push_back(kHex[digest[i] >> 4]);
        out.push_back(kHex[digest[i] & 0xf]);
    }
    return out;
}

Verification verify_delivery(Forge forge, const HeaderLookup& header, std::string_view body, std::string_view secret) {
    switch (forge) {
        case Forge::github:
            return check_hmac(header, "X-Hub-Signature-256", "sha256=", body, secret, "GitHub's webhook settings (Secret)");
        case Forge::bitbucket:
            return check_hmac(header, "X-Hub-Signature", "sha256=", body, secret, "Bitbucket's webhook settings (Secret)");
        case Forge::forgejo:
            // Forgejo sends both; its own header wins when present.
            if (header("x-forgejo-signature"))
                return check_hmac(header, "X-Forgejo-Signature", "", body, secret, "Forgejo's webhook settings (Secret)");
            return check_hmac(header, "X-Gitea-Signature", "", body, secret, "Forgejo's webhook settings (Secret)");
        case Forge::gitea:
            return check_hmac(header, "X-Gitea-Signature", "", body, secret, "Gitea's webhook settings (Secret)");
        case Forge::gitlab: {
            Verification v;
            v.header = "X-Gitlab-Token";
            auto given = header("x-gitlab-token");
            if (!given || given->empty()) {
                v.error = "the delivery has no X-Gitlab-Token header: set the webhook's secret as GitLab's Secret token";
                return v;
            }
            // Hashing both sides first makes the comparison's time independent of the lengths too.
            if (!equal_constant_time(hmac_sha256_hex("x-gitlab-token", *given), hmac_sha256_hex("x-gitlab-token", secret))) {
                v.error = "X-Gitlab-Token is not this webhook's current secret (rotated?)";
                return v;
            }
            v.ok = true;
            return v;
        }
    }
    return {};
}

}  // namespace sb::server::webhooks
