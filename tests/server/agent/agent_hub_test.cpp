// One live connection per cluster; requests remembered until acked.
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

#include "agent/codec.hpp"
#include "server/agent/agent_hub.hpp"

namespace sb::server::agent {
namespace {

TEST(AgentHub, ASecondConnectionReplacesTheFirst) {
    AgentHub hub;
    auto first = std::make_shared<AgentConnection>("c1", 1);
    auto second = std::make_shared<AgentConnection>("c1", 1);
    EXPECT_EQ(hub.attach(first), nullptr);
    EXPECT_EQ(hub.attach(second), first);
    ASSERT_TRUE(first->closing().has_value());
    EXPECT_EQ(first->closing()->code, 4000);
    EXPECT_FALSE(hub.detach(*first));  // the old session ending leaves the new one live
    EXPECT_EQ(hub.find("c1"), second);
    EXPECT_TRUE(hub.detach(*second));
    EXPECT_EQ(hub.find("c1"), nullptr);
}

TEST(AgentHub, RequestsGetIdsAndAreRememberedUntilAcked) {
    AgentConnection c("c1", 1);
    int woken = 0;
    c.on_ready = [&] { ++woken; };
    auto id = c.send(sb::agent::Delete{{"App", "shop", "web"}});
    EXPECT_FALSE(id.empty());
    EXPECT_EQ(c.send(sb::agent::Welcome{}), "");  // not a request
    EXPECT_EQ(woken, 2);
    EXPECT_EQ(c.pending_requests(), 1u);
    auto frame = sb::agent::decode(c.pop_outgoing(), sb::agent::Sender::server);
    EXPECT_EQ(std::get<sb::agent::Message>(frame).id, id);
    auto request = c.take_request(id);
    ASSERT_TRUE(request.has_value());
    EXPECT_EQ(std::get<sb::agent::Delete>(*request).object.name, "web");
    EXPECT_FALSE(c.take_request(id).has_value());
}

TEST(AgentHub, AnAppSecretIsSentWithItsValuesButRememberedWithoutThem) {
    AgentConnection c("c1", 1);
    auto id = c.send(sb::agent::AppSecret{"shop", "web", "env", {{"TOKEN", "sekrit"}}});
    ASSERT_FALSE(id.empty());
    auto frame = sb::agent::decode(c.pop_outgoing(), sb::agent::Sender::server);
    const auto& sent = std::get<sb::agent::AppSecret>(std::get<sb::agent::Message>(frame).body);
    EXPECT_EQ(sent.data.at("TOKEN"), "sekrit");
    auto request = c.take_request(id);
    ASSERT_TRUE(request.has_value());
    const auto& kept = std::get<sb::agent::AppSecret>(*request);
    EXPECT_EQ(kept.app, "web");
    EXPECT_EQ(kept.purpose, "env");
    EXPECT_TRUE(kept.data.empty());
}

TEST(AgentHub, ThePartsOfTheDesiredStateAnOperatorHasAreNotSentAgain) {
    AgentConnection c("c1", 1);
    auto app = [](std::string image) {
        return sb::agent::Apply{boost::json::parse(R"({"apiVersion":"apps.shapeblock.io/v1alpha1","kind":"App",
            "metadata":{"name":"web","namespace":"shop"},"spec":{"image":")" + image + R"("}})").as_object()};
    };
    EXPECT_NE(c.send_desired(app("v1")), "");
    EXPECT_EQ(c.send_desired(app("v1")), "") << "the same apply twice";
    auto changed = c.send_desired(app("v2"));
    EXPECT_NE(changed, "");
    // Not carried out: sent again next time.
    c.forget_desired(*c.take_request(changed));
    EXPECT_NE(c.send_desired(app("v2")), "");

    sb::agent::AppSecret env{"shop", "web", "env", {{"A", "1"}}};
    EXPECT_NE(c.send_desired(env), "");
    EXPECT_EQ(c.send_desired(env), "");
    env.data["A"] = "2";
    EXPECT_NE(c.send_desired(env), "") << "a changed value is sent";

    // A delete is sent once until it is settled, and makes the object's next apply new.
    sb::agent::Delete gone{{"App", "shop", "web"}};
    auto del = c.send_desired(gone);
    EXPECT_NE(del, "");
    EXPECT_EQ(c.send_desired(gone), "");
    EXPECT_NE(c.send_desired(app("v2")), "") << "re-created after its delete";
    c.forget_desired(*c.take_request(del));
    EXPECT_NE(c.send_desired(gone), "");
}

TEST(AgentHub, ShutdownClosesEveryConnection) {
    AgentHub hub;
    auto a = std::make_shared<AgentConnection>("a", 1);
    auto b = std::make_shared<AgentConnection>("b", 1);
    hub.attach(a);
    hub.attach(b);
    hub.close_all();
    EXPECT_EQ(hub.size(), 0u);
    EXPECT_EQ(a->closing()->code, 1001);
    EXPECT_EQ(b->closing()->code, 1001);
}

}  // namespace
}  // namespace sb::server::agent
