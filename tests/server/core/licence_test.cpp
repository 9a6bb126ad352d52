// Licences and the vendor's licence tool.
#include <gtest/gtest.h>
#include <sodium.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <filesystem>
#include <fstream>

#include "common/base64.hpp"
#include "server/core/crypto.hpp"
#include "server/core/licence.hpp"
#include "server/core/licence_tool.hpp"

namespace sb::server {
namespace {

struct Keys {
    std::string pk, sk;
};
Keys keypair() {
    crypto::init();
    unsigned char pk[32], sk[64];
    crypto_sign_keypair(pk, sk);
    return {sb::base64_encode(std::string_view(reinterpret_cast<char*>(pk), 32)),
            sb::base64_encode(std::string_view(reinterpret_cast<char*>(sk), 64))};
}

TEST(Licence, VerifiesSignatureEditionAndUpdateWindow) {
    auto keys = keypair();
    std::string payload = R"({"licensee":"Acme","edition":"multi","maxClusters":3,"maxUsers":10,"updatesUntil":"2030-01-01","issuedAt":"2024-01-01"})";
    auto licence = verify_licence(sign_licence(payload, keys.sk), keys.pk);
    EXPECT_EQ(licence.licensee, "Acme");
    EXPECT_EQ(licence.edition, Edition::multi_tenant);
    EXPECT_EQ(licence.max_clusters, 3);
    auto other = keypair();
    EXPECT_THROW(verify_licence(sign_licence(payload, keys.sk), other.pk), std::invalid_argument);
    EXPECT_THROW(verify_licence(sign_licence(payload, keys.sk), builtin_licence_public_key()), std::invalid_argument);
    std::string old = R"({"licensee":"Acme","edition":"single","maxClusters":1,"maxUsers":1,"updatesUntil":"2020-01-01","issuedAt":"2019-01-01"})";
    EXPECT_THROW(verify_licence(sign_licence(old, keys.sk), keys.pk), std::invalid_argument);
    // A tampered payload fails even with the right key.
    auto doc = sign_licence(payload, keys.sk);
    auto tampered = doc;
    tampered[tampered.find("payload") + 12] ^= 1;
    EXPECT_THROW(verify_licence(tampered, keys.pk), std::invalid_argument);
}

TEST(Licence, BuiltInKeyIsAnEd25519PublicKey) {
    crypto::init();
    auto key = sb::try_base64_decode(builtin_licence_public_key());
    ASSERT_TRUE(key);
    ASSERT_EQ(key->size(), crypto_sign_PUBLICKEYBYTES);
    EXPECT_EQ(crypto_core_ed25519_is_valid_point(reinterpret_cast<const unsigned char*>(key->data())), 1);
}

// A file path in a fresh temporary directory, removed with the object.
struct TempPath {
    TempPath() : dir(std::filesystem::temp_directory_path() / ("sb-unit-" + crypto::random_hex(6))) {
        std::filesystem::create_directories(dir);
    }
    ~TempPath() { std::filesystem::remove_all(dir); }
    std::string file(const std::string& name) const { return (dir / name).string(); }
    std::filesystem::path dir;
};

TEST(LicenceTool, KeyFileSignsLicencesTheMatchingPublicKeyAccepts) {
    crypto::init();
    TempPath tmp;
    auto key_file = tmp.file("signing.key");
    auto public_key = generate_licence_key_file(key_file);
    EXPECT_EQ(std::filesystem::status(key_file).permissions(), std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
    EXPECT_THROW(generate_licence_key_file(key_file), std::invalid_argument);  // never overwritten
    EXPECT_EQ(licence_public_key_of(key_file), public_key);

    LicenceTerms terms{"Acme", "multi", 4, 20, "2031-12-31", "2026-01-02"};
    auto licence = verify_licence(sign_licence_with_key_file(terms, key_file), public_key);
    EXPECT_EQ(licence.licensee, "Acme");
    EXPECT_EQ(licence.edition, Edition::multi_tenant);
    EXPECT_EQ(licence.max_clusters, 4);
    EXPECT_EQ(licence.max_users, 20);
    EXPECT_EQ(licence.updates_until, "2031-12-31");
    EXPECT_EQ(licence.issued_at, "2026-01-02");
    EXPECT_THROW(verify_licence(sign_licence_with_key_file(terms, key_file), builtin_licence_public_key()), std::invalid_argument);
    terms.issued_at.clear();
    EXPECT_EQ(verify_licence(sign_licence_with_key_file(terms, key_file), public_key).issued_at.size(), 10u);
}

TEST(LicenceTool, RefusesTermsTheServerWouldRefuse) {
    crypto::init();
    TempPath tmp;
    auto key_file = tmp.file("signing.key");
    generate_licence_key_file(key_file);
    EXPECT_THROW(sign_licence_with_key_file({"Acme", "gold", 1, 1, "2031-01-01", ""}, key_file), std::invalid_argument);
    EXPECT_THROW(sign_licence_with_key_file({"Acme", "single", 0, 1, "2031-01-01", ""}, key_file), std::invalid_argument);
    EXPECT_THROW(sign_licence_with_key_file({"Acme", "single", 1, 1, "2020-01-01", ""}, key_file), std::invalid_argument);
    EXPECT_THROW(sign_licence_with_key_file({"", "single", 1, 1, "2031-01-01", ""}, key_file), std::invalid_argument);
    std::ofstream(tmp.file("junk.key")) << "not a key\n";
    EXPECT_THROW(sign_licence_with_key_file({"Acme", "single", 1, 1, "2031-01-01", ""}, tmp.file("junk.key")), std::invalid_argument);
    EXPECT_THROW(licence_public_key_of(tmp.file("missing.key")), std::invalid_argument);
}

}  // namespace
}  // namespace sb::server
