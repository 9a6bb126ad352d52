#include "server/webhooks/push_event.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "server/core/api_error.hpp"
#include "tests/server/webhooks/webhook_testdata.hpp"

namespace sb::server::webhooks {
namespace {
using namespace testing;
namespace json = boost::json;

std::string field_of_error(Forge forge, const std::string& body) {
    try {
        parse_push(forge, body);
    } catch (const ApiError& e) {
        EXPECT_EQ(e.status(), 400);
        return e.field();
    }
    return "(no error)";
}

std::string edited(const std::string& file, const std::function<void(json::object&)>& edit) {
    auto v = json::parse(read_testdata(file));
    edit(v.as_object());
    return json::serialize(v);
}

class PayloadOfEachForge : public ::testing::TestWithParam<Forge> {};

TEST_P(PayloadOfEachForge, TheDocumentedPayloadGivesTheBranchAndTheFullCommit) {
    auto e = parse_push(GetParam(), read_testdata(payload_file(GetParam())));
    ASSERT_EQ(e.updates.size(), 1u);
    EXPECT_EQ(e.updates[0].ref, "refs/heads/main");
    EXPECT_EQ(e.updates[0].commit, pushed_commit(GetParam()));
    ASSERT_FALSE(e.repository_urls.empty());
}

INSTANTIATE_TEST_SUITE_P(Forges, PayloadOfEachForge,
                         ::testing::Values(Forge::github, Forge::gitlab, Forge::gitea, Forge::forgejo, Forge::bitbucket),
                         [](const auto& info) { return std::string(forge_name(info.param)); });

TEST(WebhookPushEvent, RepositoryUrlsNameTheRepository) {
    auto github = parse_push(Forge::github, read_testdata("github_push.json"));
    for (const auto& u : github.repository_urls) EXPECT_EQ(repository_key(u), "github.com/octo-org/hello-app") << u;
    auto gitlab = parse_push(Forge::gitlab, read_testdata("gitlab_push.json"));
    for (const auto& u : gitlab.repository_urls) EXPECT_EQ(repository_key(u), "gitlab.example.com/mike/hello-app") << u;
    auto gitea = parse_push(Forge::gitea, read_testdata("gitea_push.json"));
    for (const auto& u : gitea.repository_urls) EXPECT_EQ(repository_key(u), "gitea.example.com/alice/hello-app") << u;
    auto bitbucket = parse_push(Forge::bitbucket, read_testdata("bitbucket_push.json"));
    for (const auto& u : bitbucket.repository_urls) EXPECT_EQ(repository_key(u), "bitbucket.org/acme/hello-app") << u;
}

TEST(WebhookPushEvent, RepositoryKey) {
    EXPECT_EQ(repository_key("https://user:pw@GitHub.com/Octo/App.git/"), "github.com/octo/app");
    EXPECT_EQ(repository_key("ssh://git@host.example:2222/a/b.git"), "host.example/a/b");
    EXPECT_EQ(repository_key("git@host.example:a/b"), "host.example/a/b");
    EXPECT_EQ(repository_key("https://host.example"), "");
    EXPECT_EQ(repository_key("not a url"), "");
    EXPECT_NE(repository_key("https://github.com/a/b"), repository_key("https://github.com/a/c"));
}

TEST(WebhookPushEvent, ABranchDeletionHasNoCommit) {
    auto github = edited("github_push.json", [](json::object& o) {
        o["after"] = std::string(40, '0');
        o["deleted"] = true;
        o["head_commit"] = nullptr;
    });
    EXPECT_TRUE(parse_push(Forge::github, github).updates.at(0).commit.empty());
    auto gitlab = edited("gitlab_push.json", [](json::object& o) {
        o["after"] = std::string(40, '0');
        o["checkout_sha"] = nullptr;
    });
    EXPECT_TRUE(parse_push(Forge::gitlab, gitlab).updates.at(0).commit.empty());
    auto bitbucket = edited("bitbucket_push.json", [](json::object& o) {
        auto& change = o["push"].as_object()["changes"].as_array()[0].as_object();
        change["new"] = nullptr;
        change["closed"] = true;
    });
    auto e = parse_push(Forge::bitbucket, bitbucket);
    EXPECT_EQ(e.updates.at(0).ref, "refs/heads/main");
    EXPECT_TRUE(e.updates.at(0).commit.empty());
}

TEST(WebhookPushEvent, BitbucketTagsAndSeveralChanges) {
    auto body = edited("bitbucket_push.json", [](json::object& o) {
        auto& changes = o["push"].as_object()["changes"].as_array();
        json::value tag = changes[0];
        tag.as_object()["new"].as_object()["type"] = "tag";
        tag.as_object()["new"].as_object()["name"] = "v1.2.0";
        changes.insert(changes.begin(), tag);
    });
    auto e = parse_push(Forge::bitbucket, body);
    ASSERT_EQ(e.updates.size(), 2u);
    EXPECT_EQ(e.updates[0].ref, "refs/tags/v1.2.0");
    EXPECT_EQ(e.updates[1].ref, "refs/heads/main");
}

TEST(WebhookPushEvent, GitLabUsesCheckoutSha) {
    auto body = edited("gitlab_push.json", [](json::object& o) {
        o["checkout_sha"] = "b6568db1bc1dcd7f8b4d5a946b0b91f9dacd7327";
    });
    EXPECT_EQ(parse_push(Forge::gitlab, body).updates.at(0).commit, "b6568db1bc1dcd7f8b4d5a946b0b91f9dacd7327");
}

TEST(WebhookPushEvent, BadPayloadsNameTheField) {
    EXPECT_EQ(field_of_error(Forge::github, "ref=refs%2Fheads%2Fmain"), "body");  // form-encoded, not JSON
    EXPECT_EQ(field_of_error(Forge::github, "[]"), "body");
    EXPECT_EQ(field_of_error(Forge::github, edited("github_push.json", [](json::object& o) { o.erase("ref"); })), "ref");
    EXPECT_EQ(field_of_error(Forge::github, edited("github_push.json", [](json::object& o) { o["after"] = "0d1a26e"; })), "after");
    EXPECT_EQ(field_of_error(Forge::gitea, edited("gitea_push.json", [](json::object& o) { o["after"] = 42; })), "after");
    EXPECT_EQ(field_of_error(Forge::gitlab, edited("gitlab_push.json", [](json::object& o) { o["checkout_sha"] = "xyz"; })),
              "checkout_sha");
    EXPECT_EQ(field_of_error(Forge::bitbucket, edited("bitbucket_push.json", [](json::object& o) { o.erase("push"); })), "push");
    EXPECT_EQ(field_of_error(Forge::bitbucket, edited("bitbucket_push.json", [](json::object& o) {
                  o["push"].as_object()["changes"].as_array()[0].as_object()["new"].as_object()["target"].as_object().erase("hash");
              })),
              "push.changes[0].new.target.hash");
}

TEST(WebhookPushEvent, FullShas) {
    EXPECT_TRUE(is_full_commit_sha(std::string(40, 'a')));
    EXPECT_TRUE(is_full_commit_sha(std::string(64, '0')));
    EXPECT_FALSE(is_full_commit_sha(std::string(41, 'a')));
    EXPECT_FALSE(is_full_commit_sha(std::string(40, 'g')));
    EXPECT_FALSE(is_full_commit_sha("main"));
}

}  // namespace
}  // namespace sb::server::webhooks
