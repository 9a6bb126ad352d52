#include "server/webhooks/signature.hpp"

#include <gtest/gtest.h>

#include "tests/server/webhooks/webhook_testdata.hpp"

namespace sb::server::webhooks {
namespace {
using namespace testing;

TEST(WebhookSignature, HmacSha256MatchesPublishedVectors) {
    // RFC 4231, test case 2.
    EXPECT_EQ(hmac_sha256_hex("Jefe", "what do ya want for nothing?"),
              "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    // GitHub's documentation ("Validating webhook deliveries").
    EXPECT_EQ(hmac_sha256_hex("It's a Secret to Everybody", "Hello, World!"),
              "757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17");
}

class SignatureOfEachForge : public ::testing::TestWithParam<Forge> {};

TEST_P(SignatureOfEachForge, ASignedDeliveryVerifies) {
    auto body = read_testdata(payload_file(GetParam()));
    auto headers = forge_headers(GetParam(), body, "s3cret-value", "d-1");
    auto v = verify_delivery(GetParam(), lookup(headers), body, "s3cret-value");
    EXPECT_TRUE(v.ok) << v.error;
}

TEST_P(SignatureOfEachForge, AnotherSecretFailsAndTheErrorNamesTheHeader) {
    auto body = read_testdata(payload_file(GetParam()));
    auto headers = forge_headers(GetParam(), body, "old-secret", "d-1");
    auto v = verify_delivery(GetParam(), lookup(headers), body, "new-secret");
    EXPECT_FALSE(v.ok);
    EXPECT_NE(v.error.find(v.header), std::string::npos) << v.error;
    EXPECT_EQ(v.error.find("new-secret"), std::string::npos) << "the error must not show the secret";
}

TEST_P(SignatureOfEachForge, AChangedBodyFails) {
    if (GetParam() == Forge::gitlab) GTEST_SKIP() << "GitLab's token does not cover the body";
    auto body = read_testdata(payload_file(GetParam()));
    auto headers = forge_headers(GetParam(), body, "k", "d-1");
    body.replace(body.find("main"), 4, "prod");
    EXPECT_FALSE(verify_delivery(GetParam(), lookup(headers), body, "k").ok);
}

TEST_P(SignatureOfEachForge, AMissingProofFails) {
    auto body = read_testdata(payload_file(GetParam()));
    auto headers = forge_headers(GetParam(), body, "k", "d-1");
    for (auto it = headers.begin(); it != headers.end();)
        it = (it->first.find("Signature") != std::string::npos || it->first == "X-Gitlab-Token") ? headers.erase(it) : std::next(it);
    auto v = verify_delivery(GetParam(), lookup(headers), body, "k");
    EXPECT_FALSE(v.ok);
    EXPECT_NE(v.error.find("no " + v.header), std::string::npos) << v.error;
}

INSTANTIATE_TEST_SUITE_P(Forges, SignatureOfEachForge,
                         ::testing::Values(Forge::github, Forge::gitlab, Forge::gitea, Forge::forgejo, Forge::bitbucket),
                         [](const auto& info) { return std::string(forge_name(info.param)); });

TEST(WebhookSignature, GitHubNeedsTheSha256Prefix) {
    std::string body = "{}";
    Headers h{{"X-Hub-Signature-256", hmac_sha256_hex("k", body)}};
    auto v = verify_delivery(Forge::github, lookup(h), body, "k");
    EXPECT_FALSE(v.ok);
    EXPECT_NE(v.error.find("sha256="), std::string::npos) << v.error;
}

TEST(WebhookSignature, UpperCaseHexIsAccepted) {
    std::string body = "{}";
    std::string mac = hmac_sha256_hex("k", body);
    for (auto& c : mac) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    Headers h{{"X-Gitea-Signature", mac}};
    EXPECT_TRUE(verify_delivery(Forge::gitea, lookup(h), body, "k").ok);
}

TEST(WebhookSignature, ForgejoChecksItsOwnHeaderFirst) {
    std::string body = "{}";
    // A good X-Gitea-Signature does not rescue a bad X-Forgejo-Signature.
    Headers h{{"X-Forgejo-Signature", hmac_sha256_hex("other", body)}, {"X-Gitea-Signature", hmac_sha256_hex("k", body)}};
    EXPECT_FALSE(verify_delivery(Forge::forgejo, lookup(h), body, "k").ok);
    Headers older{{"X-Gitea-Signature", hmac_sha256_hex("k", body)}};
    EXPECT_TRUE(verify_delivery(Forge::forgejo, lookup(older), body, "k").ok);
}

TEST(WebhookSignature, GitLabTokenMustBeExact) {
    Headers prefix{{"X-Gitlab-Token", "secre"}};
    EXPECT_FALSE(verify_delivery(Forge::gitlab, lookup(prefix), "{}", "secret").ok);
    Headers longer{{"X-Gitlab-Token", "secret "}};
    EXPECT_FALSE(verify_delivery(Forge::gitlab, lookup(longer), "{}", "secret").ok);
    Headers exact{{"X-Gitlab-Token", "secret"}};
    EXPECT_TRUE(verify_delivery(Forge::gitlab, lookup(exact), "{}", "secret").ok);
}

}  // namespace
}  // namespace sb::server::webhooks
