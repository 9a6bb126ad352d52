#include "server/webhooks/forge.hpp"

#include <gtest/gtest.h>

#include "tests/server/webhooks/webhook_testdata.hpp"

namespace sb::server::webhooks {
namespace {
using namespace testing;

class HeadersOfEachForge : public ::testing::TestWithParam<Forge> {};

TEST_P(HeadersOfEachForge, IsRecognisedByItsOwnHeaders) {
    auto headers = forge_headers(GetParam(), "{}", "k", "delivery-42");
    auto d = identify_delivery(lookup(headers));
    ASSERT_TRUE(d);
    EXPECT_EQ(d->forge, GetParam());
    EXPECT_TRUE(d->is_push);
    EXPECT_EQ(d->delivery_id, "delivery-42");
}

INSTANTIATE_TEST_SUITE_P(Forges, HeadersOfEachForge,
                         ::testing::Values(Forge::github, Forge::gitlab, Forge::gitea, Forge::forgejo, Forge::bitbucket),
                         [](const auto& info) { return std::string(forge_name(info.param)); });

TEST(WebhookForge, NonPushEvents) {
    auto ping = identify_delivery(lookup(forge_headers(Forge::github, "{}", "k", "d", "ping")));
    ASSERT_TRUE(ping);
    EXPECT_FALSE(ping->is_push);
    EXPECT_EQ(ping->event, "ping");
    auto mr = identify_delivery(lookup(forge_headers(Forge::gitlab, "{}", "k", "d", "Merge Request Hook")));
    ASSERT_TRUE(mr);
    EXPECT_FALSE(mr->is_push);
    auto tag = identify_delivery(lookup(forge_headers(Forge::gitlab, "{}", "k", "d", "Tag Push Hook")));
    ASSERT_TRUE(tag);
    EXPECT_TRUE(tag->is_push);
    auto pr = identify_delivery(lookup(forge_headers(Forge::bitbucket, "{}", "k", "d", "pullrequest:created")));
    ASSERT_TRUE(pr);
    EXPECT_FALSE(pr->is_push);
}

TEST(WebhookForge, GitLabPrefersTheIdempotencyKey) {
    Headers h{{"X-Gitlab-Event", "Push Hook"}, {"X-Gitlab-Event-UUID", "event-uuid"}, {"Idempotency-Key", "retry-stable"}};
    EXPECT_EQ(identify_delivery(lookup(h))->delivery_id, "retry-stable");
    Headers older{{"X-Gitlab-Event", "Push Hook"}, {"X-Gitlab-Event-UUID", "event-uuid"}};
    EXPECT_EQ(identify_delivery(lookup(older))->delivery_id, "event-uuid");
}

TEST(WebhookForge, BitbucketNeedsItsHookUuid) {
    // X-Event-Key alone is Bitbucket Data Center's too (repo:refs_changed, another payload).
    Headers h{{"X-Event-Key", "repo:push"}};
    EXPECT_FALSE(identify_delivery(lookup(h)));
}

TEST(WebhookForge, NoForgeHeaders) {
    Headers h{{"Content-Type", "application/json"}, {"User-Agent", "curl/8.0"}};
    EXPECT_FALSE(identify_delivery(lookup(h)));
}

TEST(WebhookForge, AnOverlongDeliveryIdIsCut) {
    Headers h{{"X-GitHub-Event", "push"}, {"X-GitHub-Delivery", std::string(5000, 'a')}};
    EXPECT_EQ(identify_delivery(lookup(h))->delivery_id.size(), 200u);
}

}  // namespace
}  // namespace sb::server::webhooks
