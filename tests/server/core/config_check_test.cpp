// A bad flag or SB_* value is refused with a message naming the flag and what it expects.
#include <gtest/gtest.h>

#include <functional>

#include "server/core/config_check.hpp"

namespace sb::server {
namespace {

std::string refusal(const Config& config) {
    try {
        check_config(config);
    } catch (const std::invalid_argument& e) {
        return e.what();
    }
    return "accepted";
}

TEST(ConfigCheck, AcceptsTheDefaults) { EXPECT_EQ(refusal(Config{}), "accepted"); }

TEST(ConfigCheck, ListenWithAPortNamesTheFlagAndSuggestsPort) {
    Config c;
    c.listen_address = "127.0.0.1:18480";
    auto message = refusal(c);
    EXPECT_NE(message.find("--listen (SB_LISTEN) must be an IP address"), std::string::npos) << message;
    EXPECT_NE(message.find("--listen 127.0.0.1 --port 18480"), std::string::npos) << message;
}

TEST(ConfigCheck, ListenHostNameIsRefused) {
    Config c;
    c.listen_address = "localhost";
    EXPECT_NE(refusal(c).find("--listen (SB_LISTEN)"), std::string::npos);
    c.listen_address = "::";
    EXPECT_EQ(refusal(c), "accepted");
}

TEST(ConfigCheck, NumbersOutOfRangeNameTheirFlag) {
    Config port;
    port.port = 70000;
    EXPECT_NE(refusal(port).find("--port (SB_PORT) must be a TCP port from 0 to 65535"), std::string::npos);
    Config pool;
    pool.database_pool_size = 0;
    EXPECT_NE(refusal(pool).find("--database-pool (SB_DATABASE_POOL) must be at least 1"), std::string::npos);
    Config threads;
    threads.hash_threads = 0;
    EXPECT_NE(refusal(threads).find("--hash-threads (SB_HASH_THREADS)"), std::string::npos);
    Config body;
    body.body_limit_bytes = 0;
    EXPECT_NE(refusal(body).find("--body-limit (SB_BODY_LIMIT)"), std::string::npos);
}

TEST(ConfigCheck, TlsCertificateAndKeyGoTogether) {
    Config c;
    c.tls_cert_file = "cert.pem";
    EXPECT_NE(refusal(c).find("--tls-cert (SB_TLS_CERT) and --tls-key (SB_TLS_KEY) go together"), std::string::npos);
}

TEST(ConfigCheck, PublicUrlMustBeAnHttpUrlWithAHost) {
    for (std::string bad : {"shapeblock.example.com", "ftp://x", "https://", "https:///path", "https://x/?token=1",
                            "https://x y", "https://x'"}) {
        Config c;
        c.public_url = bad;
        EXPECT_NE(refusal(c).find("--public-url (SB_PUBLIC_URL)"), std::string::npos) << bad;
    }
    Config good;
    good.public_url = "https://sb.example.com:8443/prefix";
    EXPECT_EQ(refusal(good), "accepted");
}

TEST(ConfigCheck, RegistrationLifetimeAndOperatorImage) {
    Config short_ttl;
    short_ttl.registration_ttl = std::chrono::seconds(10);
    EXPECT_NE(refusal(short_ttl).find("--registration-ttl (SB_REGISTRATION_TTL) must be from 60"), std::string::npos);
    Config image;
    image.operator_image = "a b";
    EXPECT_NE(refusal(image).find("--operator-image (SB_OPERATOR_IMAGE)"), std::string::npos);
}

}  // namespace
}  // namespace sb::server
