// Fuzzes licence verification (PUT /api/v1/licence takes the document from
// the client). The first byte picks the mode:
//   even: the rest is a whole licence document, checked against the built-in
//         key; it must be refused with std::invalid_argument, never crash.
//   odd:  the rest is a payload, signed here with a fuzzing key pair, so the
//         payload checks behind the signature are reached too; it must be
//         accepted or refused with std::invalid_argument.
#include <sodium.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <string_view>

#include "common/base64.hpp"
#include "server/core/crypto.hpp"
#include "server/core/licence.hpp"

namespace {

struct FuzzKeys {
    std::string public_key, secret_key;  // base64
};

const FuzzKeys& fuzz_keys() {
    static const FuzzKeys keys = [] {
        sb::server::crypto::init();
        unsigned char seed[crypto_sign_SEEDBYTES] = {};
        unsigned char pk[crypto_sign_PUBLICKEYBYTES], sk[crypto_sign_SECRETKEYBYTES];
        crypto_sign_seed_keypair(pk, sk, seed);
        return FuzzKeys{sb::base64_encode(std::string_view(reinterpret_cast<char*>(pk), sizeof(pk))),
                        sb::base64_encode(std::string_view(reinterpret_cast<char*>(sk), sizeof(sk)))};
    }();
    return keys;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    const auto& keys = fuzz_keys();
    std::string_view rest(reinterpret_cast<const char*>(data) + 1, size - 1);
    bool signed_payload = data[0] % 2 == 1;
    try {
        if (signed_payload) {
            sb::server::verify_licence(sb::server::sign_licence(rest, keys.secret_key), keys.public_key);
        } else {
            sb::server::verify_licence(rest, sb::server::builtin_licence_public_key());
            std::fprintf(stderr, "a fuzzed licence verified against the built-in key\n");
            std::abort();
        }
    } catch (const std::invalid_argument&) {
    }
    return 0;
}
