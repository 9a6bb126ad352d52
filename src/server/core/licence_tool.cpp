#include "server/core/licence_tool.hpp"

#include <fcntl.h>
#include <sodium.h>
#include <unistd.h>

#include <boost/json/serialize.hpp>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "common/base64.hpp"
#include "server/core/crypto.hpp"
#include "server/core/licence.hpp"
#include "common/rfc3339.hpp"

namespace sb::server {
namespace json = boost::json;

namespace {

std::string read_secret_key(const std::string& path) {
    std::ifstream in(path);
    if (!in) throw std::invalid_argument("cannot read the licence signing key " + path);
    std::stringstream text;
    text << in.rdbuf();
    std::string b64 = text.str();
    while (!b64.empty() && std::isspace(static_cast<unsigned char>(b64.back()))) b64.pop_back();
    auto raw = sb::try_base64_decode(b64);
    if (!raw || raw->size() != crypto_sign_SECRETKEYBYTES)
        throw std::invalid_argument(path + " is not a licence signing key (base64 of a 64-byte Ed25519 secret key)");
    return b64;
}

}  // namespace

std::string generate_licence_key_file(const std::string& path) {
    crypto::init();
    unsigned char pk[crypto_sign_PUBLICKEYBYTES], sk[crypto_sign_SECRETKEYBYTES];
    crypto_sign_keypair(pk, sk);
    std::string text = sb::base64_encode(std::string_view(reinterpret_cast<char*>(sk), sizeof(sk))) + "\n";
    sodium_memzero(sk, sizeof(sk));
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) throw std::invalid_argument("cannot create " + path + ": " + std::strerror(errno));
    bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) && ::fsync(fd) == 0;
    ::close(fd);
    sodium_memzero(text.data(), text.size());
    if (!ok) throw std::invalid_argument("cannot write " + path);
    return sb::base64_encode(std::string_view(reinterpret_cast<char*>(pk), sizeof(pk)));
}

std::string licence_public_key_of(const std::string& secret_key_path) {
    crypto::init();
    auto sk = *sb::try_base64_decode(read_secret_key(secret_key_path));
    unsigned char pk[crypto_sign_PUBLICKEYBYTES];
    crypto_sign_ed25519_sk_to_pk(pk, reinterpret_cast<const unsigned char*>(sk.data()));
    return sb::base64_encode(std::string_view(reinterpret_cast<char*>(pk), sizeof(pk)));
}

std::string sign_licence_with_key_file(const LicenceTerms& terms, const std::string& secret_key_path) {
    crypto::init();
    json::object payload{{"licensee", terms.licensee},
                         {"edition", terms.edition},
                         {"maxClusters", terms.max_clusters},
                         {"maxUsers", terms.max_users},
                         {"updatesUntil", terms.updates_until},
                         {"issuedAt", terms.issued_at.empty() ? sb::now_rfc3339().substr(0, 10) : terms.issued_at}};
    std::string document = sign_licence(json::serialize(payload), read_secret_key(secret_key_path));
    verify_licence(document, licence_public_key_of(secret_key_path));  // throws std::invalid_argument with the reason
    return document;
}

}  // namespace sb::server
