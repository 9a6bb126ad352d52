// The operator's agent link against a real kube-apiserver: the operator runs
// as a process with the chart's RBAC and connects out to a scripted server
// end (tests/operator/agent/scripted_agent_server.hpp).
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <thread>

#include "common/base64.hpp"
#include "common/json_fields.hpp"
#include "kube/resource.hpp"
#include "operator/common/crd_types.hpp"
#include "operator/helm/deploy_request.hpp"
#include "operator/helm/helm_values.hpp"
#include "tests/operator/agent/scripted_agent_server.hpp"
#include "tests/operator/support/operator_fixture.hpp"
#include "tests/support/scratch.hpp"

namespace sb::optest {
namespace {

using namespace std::chrono_literals;
namespace crds = op::crds;

constexpr const char* kToken = "agent-token-for-tests-7f3a";

agent::Message apply(std::string id, const std::string& object) {
    return {std::move(id), agent::Apply{json::parse(object).as_object()}};
}

bool is_status(const agent::Message& m, std::string_view kind, std::string_view name, std::string_view phase) {
    const auto* s = std::get_if<agent::Status>(&m.body);
    if (!s || s->object.kind != kind || s->object.name != name) return false;
    if (phase == "deleted") return s->deleted;
    const auto* p = s->status.if_contains("phase");
    return p && p->is_string() && p->get_string() == phase;
}

class AgentLinkTest : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        auto& cp = testenv::LocalControlPlane::shared();
        scratch_ = new testenv::ScratchDir("agent-link-it");
        admin_ = new SyncKube(cp.admin_kubeconfig());
        install_crds_from_source(*admin_);
        create_registry_secret(*admin_);
        server_ = new ScriptedAgentServer(kToken);
        operator_ = new OperatorProcess(operator_service_account_kubeconfig(*admin_, cp, scratch_->path()),
                                        *scratch_ / "operator.log",
                                        {"--lease-namespace", "shapeblock", "--server-url", server_->url(),
                                         "--agent-token", kToken});
        operator_->start();
    }
    static void TearDownTestSuite() {
        operator_->stop();
        delete operator_;
        delete server_;
        delete admin_;
        delete scratch_;
    }
    void TearDown() override {
        if (HasFailure()) {
            auto log = operator_->log();
            std::cerr << "---- operator log (tail) ----\n" << log.substr(log.size() > 6000 ? log.size() - 6000 : 0) << "\n";
        }
    }

    static inline testenv::ScratchDir* scratch_ = nullptr;
    static inline SyncKube* admin_ = nullptr;
    static inline ScriptedAgentServer* server_ = nullptr;
    static inline OperatorProcess* operator_ = nullptr;
};

TEST_F(AgentLinkTest, HelloTellsWhoTheClusterIs) {
    auto hello = server_->wait_for([](const agent::Message& m) { return std::holds_alternative<agent::Hello>(m.body); });
    ASSERT_TRUE(hello) << "no hello from the operator";
    const auto& h = std::get<agent::Hello>(hello->body);
    EXPECT_EQ(h.cluster_id, sb::get_string(admin_->get(kube::resources::namespaces, "", "kube-system"), "metadata.uid"));
    EXPECT_EQ(h.protocol_versions, std::vector<int>{agent::kProtocolVersion});
    EXPECT_TRUE(h.kubernetes_version.starts_with("v1.")) << h.kubernetes_version;
    EXPECT_GE(h.capacity.nodes, 0);
    auto snapshot = server_->wait_for([](const agent::Message& m) {
        const auto* s = std::get_if<agent::Snapshot>(&m.body);
        return s && s->last;
    });
    EXPECT_TRUE(snapshot) << "no snapshot after the welcome";
}

TEST_F(AgentLinkTest, AppliesShapeBlockObjectsAndReportsTheirStatus) {
    server_->send(apply("p-1", R"({"apiVersion":"apps.shapeblock.io/v1alpha1","kind":"Project",
                                  "metadata":{"name":"agent-shop"},"spec":{"name":"agent-shop"}})"));
    auto ack = server_->ack_of("p-1");
    ASSERT_TRUE(ack);
    EXPECT_FALSE(ack->error) << ack->error->message;
    EXPECT_TRUE(admin_->try_get(crds::projects, "", "agent-shop"));
    EXPECT_TRUE(server_->wait_for([](const agent::Message& m) { return is_status(m, "Project", "agent-shop", "Active"); }))
        << "the Project's Active status never reached the server";

    server_->send(apply("a-1", R"({"apiVersion":"apps.shapeblock.io/v1alpha1","kind":"App",
                                  "metadata":{"name":"web","namespace":"agent-shop"},
                                  "spec":{"git":{"url":"https://git.example/web.git","branch":"main"},
                                          "registry":{"url":"registry.local:5000"}}})"));
    ack = server_->ack_of("a-1");
    ASSERT_TRUE(ack);
    EXPECT_FALSE(ack->error) << ack->error->message;
    auto app = admin_->try_get(crds::apps, "agent-shop", "web");
    ASSERT_TRUE(app);
    bool agent_manages = false;
    for (const auto& f : app->at("metadata").at("managedFields").as_array())
        agent_manages |= f.at("manager").as_string() == "shapeblock-agent";
    EXPECT_TRUE(agent_manages) << "the apply was not made under the agent's field manager";

    server_->send({"d-1", agent::Delete{{"App", "agent-shop", "web"}}});
    ack = server_->ack_of("d-1");
    ASSERT_TRUE(ack);
    EXPECT_FALSE(ack->error) << ack->error->message;
    EXPECT_TRUE(server_->wait_for([](const agent::Message& m) { return is_status(m, "App", "web", "deleted"); }));
    server_->send({"d-2", agent::Delete{{"App", "agent-shop", "web"}}});  // gone already: still ok
    ack = server_->ack_of("d-2");
    ASSERT_TRUE(ack);
    EXPECT_FALSE(ack->error);
}

TEST_F(AgentLinkTest, RefusesEverythingThatIsNotAShapeBlockObjectInAProject) {
    struct Case {
        const char* id;
        const char* object;
    };
    const Case cases[] = {
        {"x-1", R"({"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"evil","namespace":"default"}})"},
        {"x-2", R"({"apiVersion":"rbac.authorization.k8s.io/v1","kind":"ClusterRole","metadata":{"name":"evil"}})"},
        {"x-3", R"({"apiVersion":"apps.shapeblock.io/v1alpha1","kind":"App","metadata":{"name":"evil","namespace":"kube-system"}})"},
        {"x-4", R"({"apiVersion":"apps.shapeblock.io/v1alpha1","kind":"Service","metadata":{"name":"evil","namespace":"default"}})"},
    };
    for (const auto& c : cases) {
        // Raw objects a hostile server might send; the operator's decoder and writer must refuse them.
        server_->send(apply(c.id, c.object));
    }
    for (const auto& c : cases) {
        auto ack = server_->ack_of(c.id);
        ASSERT_TRUE(ack) << c.id;
        ASSERT_TRUE(ack->error) << c.id << " was applied";
        EXPECT_EQ(ack->error->code, agent::ErrorCode::forbidden) << c.id << ": " << ack->error->message;
    }
    EXPECT_FALSE(admin_->try_get(crds::apps, "kube-system", "evil"));
    EXPECT_FALSE(admin_->try_get(crds::services, "default", "evil"));
    EXPECT_TRUE(admin_->list(kube::resources::deployments, "default").empty());
}

std::string secret_value(const json::object& secret, const std::string& key) {
    const auto* data = sb::find_object(secret, "data");
    if (!data || !data->contains(key)) return "<missing>";
    return sb::base64_decode(data->at(key).as_string());
}

TEST_F(AgentLinkTest, AnAppSecretBecomesTheAppsOwnSecretAndTheChartOnlyReferencesIt) {
    server_->send(apply("se-1", R"({"apiVersion":"apps.shapeblock.io/v1alpha1","kind":"Project",
                                   "metadata":{"name":"agent-env"},"spec":{"name":"agent-env"}})"));
    auto ack = server_->ack_of("se-1");
    ASSERT_TRUE(ack);
    ASSERT_FALSE(ack->error) << ack->error->message;

    // Sent before the App, as the server does: the Secret has no owner yet.
    server_->send({"se-2", agent::AppSecret{"agent-env", "web", "env",
                                            {{"DATABASE_URL", "postgres://u:sekrit-op-41@db/shop"}, {"PLAIN", "1"}}}});
    ack = server_->ack_of("se-2");
    ASSERT_TRUE(ack);
    ASSERT_FALSE(ack->error) << ack->error->message;
    auto secret = admin_->try_get(kube::resources::secrets, "agent-env", "web-env");
    ASSERT_TRUE(secret) << "no Secret web-env";
    EXPECT_EQ(secret_value(*secret, "DATABASE_URL"), "postgres://u:sekrit-op-41@db/shop");
    EXPECT_EQ(secret_value(*secret, "PLAIN"), "1");
    EXPECT_EQ(sb::get_string(*secret, "type"), "Opaque");
    EXPECT_EQ(op::label_value(*secret, "app.kubernetes.io/managed-by"), "shapeblock");
    EXPECT_EQ(op::label_value(*secret, "shapeblock.io/app"), "web");

    server_->send(apply("se-3", R"({"apiVersion":"apps.shapeblock.io/v1alpha1","kind":"App",
        "metadata":{"name":"web","namespace":"agent-env"},
        "spec":{"git":{"url":"https://git.example/web.git","branch":"main"},"registry":{"url":"registry.local:5000"},
                "env":[{"name":"DATABASE_URL","valueFrom":{"secretKeyRef":{"name":"web-env","key":"DATABASE_URL"}}},
                       {"name":"PLAIN","valueFrom":{"secretKeyRef":{"name":"web-env","key":"PLAIN"}}}]}})"));
    ack = server_->ack_of("se-3");
    ASSERT_TRUE(ack);
    ASSERT_FALSE(ack->error) << ack->error->message;
    auto app = admin_->get(crds::apps, "agent-env", "web");
    const auto uid = sb::get_string(app, "metadata.uid");
    EXPECT_TRUE(eventually([&] {
        auto s = admin_->try_get(kube::resources::secrets, "agent-env", "web-env");
        return s && op::is_owned_by(*s, uid);
    })) << "the Secret was not given to its App, so it would outlive it";

    // The chart the operator would write for this App carries references only.
    auto build = json::parse(R"({"apiVersion":"apps.shapeblock.io/v1alpha1","kind":"AppBuild",
        "metadata":{"name":"web-1","namespace":"agent-env","uid":"b-1"},"spec":{"appName":"web"}})").as_object();
    auto request = op::helm::deploy_request_for(app, build, "registry.local:5000/agent-env/web:v1", {}, "registry-credentials");
    auto chart = op::helm::helm_chart(request, op::helm::DeployConfig{}, app);
    const auto values = sb::get_string(chart, "spec.valuesContent");
    EXPECT_NE(values.find("secretKeyRef"), std::string::npos) << values;
    EXPECT_NE(values.find("web-env"), std::string::npos) << values;
    EXPECT_EQ(values.find("sekrit"), std::string::npos) << values;

    // A later message replaces the data: keys it no longer has go.
    server_->send({"se-4", agent::AppSecret{"agent-env", "web", "env", {{"PLAIN", "2"}}}});
    ack = server_->ack_of("se-4");
    ASSERT_TRUE(ack);
    ASSERT_FALSE(ack->error) << ack->error->message;
    secret = admin_->get(kube::resources::secrets, "agent-env", "web-env");
    EXPECT_EQ(secret_value(*secret, "PLAIN"), "2");
    EXPECT_EQ(secret_value(*secret, "DATABASE_URL"), "<missing>");
    EXPECT_TRUE(op::is_owned_by(*secret, uid));

    // Empty data: the Secret goes.
    server_->send({"se-5", agent::AppSecret{"agent-env", "web", "env", {}}});
    ack = server_->ack_of("se-5");
    ASSERT_TRUE(ack);
    EXPECT_FALSE(ack->error) << ack->error->message;
    EXPECT_TRUE(eventually([&] { return !admin_->try_get(kube::resources::secrets, "agent-env", "web-env"); }));
    EXPECT_EQ(operator_->log().find("sekrit"), std::string::npos) << "a value reached the operator's log";
}

TEST_F(AgentLinkTest, AnAppSecretOutsideAProjectOrOverSomeoneElsesSecretIsRefused) {
    server_->send(apply("sr-1", R"({"apiVersion":"apps.shapeblock.io/v1alpha1","kind":"Project",
                                   "metadata":{"name":"agent-mine"},"spec":{"name":"agent-mine"}})"));
    ASSERT_TRUE(server_->ack_of("sr-1"));
    admin_->create(kube::resources::secrets, json::parse(R"({"apiVersion":"v1","kind":"Secret",
        "metadata":{"name":"theirs-env","namespace":"agent-mine"},"data":{"KEEP":"a2VlcA=="}})").as_object());

    server_->send({"sr-2", agent::AppSecret{"default", "web", "env", {{"A", "sekrit-op-42"}}}});
    server_->send({"sr-3", agent::AppSecret{"kube-system", "web", "env", {{"A", "sekrit-op-43"}}}});
    server_->send({"sr-4", agent::AppSecret{"agent-mine", "theirs", "env", {{"A", "sekrit-op-44"}}}});
    for (const char* id : {"sr-2", "sr-3", "sr-4"}) {
        auto ack = server_->ack_of(id);
        ASSERT_TRUE(ack) << id;
        ASSERT_TRUE(ack->error) << id << " was carried out";
        EXPECT_EQ(ack->error->code, agent::ErrorCode::forbidden) << id << ": " << ack->error->message;
        EXPECT_EQ(ack->error->message.find("sekrit"), std::string::npos) << ack->error->message;
    }
    EXPECT_FALSE(admin_->try_get(kube::resources::secrets, "default", "web-env"));
    EXPECT_FALSE(admin_->try_get(kube::resources::secrets, "kube-system", "web-env"));
    auto theirs = admin_->get(kube::resources::secrets, "agent-mine", "theirs-env");
    EXPECT_EQ(secret_value(theirs, "KEEP"), "keep");
    EXPECT_EQ(secret_value(theirs, "A"), "<missing>");
    // Deleting names ShapeBlock's Secret only: theirs stays.
    server_->send({"sr-5", agent::AppSecret{"agent-mine", "theirs", "env", {}}});
    auto deleted = server_->ack_of("sr-5");
    ASSERT_TRUE(deleted);
    EXPECT_TRUE(!deleted->error || deleted->error->code == agent::ErrorCode::forbidden) << deleted->error->message;
    EXPECT_TRUE(admin_->try_get(kube::resources::secrets, "agent-mine", "theirs-env"));

    // A hostile frame naming another Secret does not get past the decoder.
    server_->send({"sr-6", agent::AppSecret{"agent-mine", "web", "tls", {{"tls.key", "x"}}}});
    auto ack = server_->ack_of("sr-6");
    ASSERT_TRUE(ack);
    ASSERT_TRUE(ack->error);
    EXPECT_EQ(ack->error->code, agent::ErrorCode::forbidden) << ack->error->message;
    EXPECT_FALSE(admin_->try_get(kube::resources::secrets, "agent-mine", "web-tls"));
}

TEST_F(AgentLinkTest, AnAppWithoutPodsEndsItsLogStreamWithAReason) {
    server_->send(apply("p-2", R"({"apiVersion":"apps.shapeblock.io/v1alpha1","kind":"Project",
                                  "metadata":{"name":"agent-logs"},"spec":{"name":"agent-logs"}})"));
    ASSERT_TRUE(server_->ack_of("p-2"));
    server_->send({"l-1", agent::OpenLogs{"stream-1", {"App", "agent-logs", "web"}, "", true, 10, std::nullopt}});
    auto ack = server_->ack_of("l-1");
    ASSERT_TRUE(ack);
    EXPECT_FALSE(ack->error);
    auto end = server_->wait_for([](const agent::Message& m) {
        const auto* c = std::get_if<agent::LogChunk>(&m.body);
        return c && c->stream_id == "stream-1" && c->end;
    });
    ASSERT_TRUE(end);
    EXPECT_NE(std::get<agent::LogChunk>(end->body).error.find("no pods"), std::string::npos);
}

TEST_F(AgentLinkTest, ReconnectsAfterACutAndSendsAFreshSnapshot) {
    server_->send(apply("p-3", R"({"apiVersion":"apps.shapeblock.io/v1alpha1","kind":"Project",
                                  "metadata":{"name":"agent-again"},"spec":{"name":"agent-again"}})"));
    ASSERT_TRUE(server_->ack_of("p-3"));
    const int before = server_->connections();
    server_->clear_received();
    server_->drop();
    ASSERT_TRUE(eventually([&] { return server_->connections() > before; }, 60s)) << "the operator did not come back";
    auto snapshot = server_->wait_for([](const agent::Message& m) {
        const auto* s = std::get_if<agent::Snapshot>(&m.body);
        if (!s) return false;
        for (const auto& o : s->objects)
            if (o.object.kind == "Project" && o.object.name == "agent-again") return true;
        return false;
    });
    EXPECT_TRUE(snapshot) << "the snapshot after the reconnect does not hold the Project";
}

TEST_F(AgentLinkTest, ReconnectsAfterACutWhileItHasNothingToSend) {
    // Let every status settle: the cut then finds the writer idle, and only
    // the reader sees the connection end.
    std::this_thread::sleep_for(3s);
    const int before = server_->connections();
    server_->drop();
    EXPECT_TRUE(eventually([&] { return server_->connections() > before; }, 60s))
        << "an idle operator did not notice its connection ended";
}

TEST_F(AgentLinkTest, AWrongTokenIsRefusedAndRetriedWithBackoffAndNeverLogged) {
    ScriptedAgentServer strict("the-right-token");
    auto& cp = testenv::LocalControlPlane::shared();
    std::filesystem::create_directories(scratch_->path() / "wrong");
    OperatorProcess wrong(operator_service_account_kubeconfig(*admin_, cp, scratch_->path() / "wrong"),
                          *scratch_ / "wrong-token.log",
                          {"--leader-elect=false", "--server-url", strict.url(), "--agent-token", "a-wrong-token-51c9"});
    wrong.start();
    EXPECT_TRUE(eventually([&] { return strict.refused() >= 3; }, 60s)) << "the operator stopped retrying";
    EXPECT_EQ(strict.connections(), 0);
    EXPECT_TRUE(wrong.running());
    wrong.stop();
    EXPECT_EQ(wrong.log().find("a-wrong-token-51c9"), std::string::npos) << "the token was logged";
}

TEST_F(AgentLinkTest, TheTokenNeverAppearsInTheOperatorsLog) {
    EXPECT_EQ(operator_->log().find(kToken), std::string::npos);
}

TEST_F(AgentLinkTest, AnObjectRightBehindItsProjectIsApplied) {
    // The server sends a new project's apps right behind the Project, before
    // the Project controller has made its namespace.
    server_->send(apply("p-fresh", R"({"apiVersion":"apps.shapeblock.io/v1alpha1","kind":"Project",
                                      "metadata":{"name":"agent-fresh"},"spec":{"name":"agent-fresh"}})"));
    server_->send(apply("a-fresh", R"({"apiVersion":"apps.shapeblock.io/v1alpha1","kind":"App",
                                      "metadata":{"name":"web","namespace":"agent-fresh"},
                                      "spec":{"git":{"url":"https://git.example/web.git"}}})"));
    for (const auto* id : {"p-fresh", "a-fresh"}) {
        auto ack = server_->ack_of(id);
        ASSERT_TRUE(ack) << id;
        EXPECT_FALSE(ack->error) << id << ": " << ack->error->message;
    }
    EXPECT_TRUE(admin_->try_get(crds::apps, "agent-fresh", "web"));
}

// Last: it restarts the operator.
TEST_F(AgentLinkTest, AStoppingOperatorClosesTheLinkCleanlyAndComesBack) {
    const int before = server_->connections();
    operator_->stop();
    auto code = server_->wait_for_close();
    ASSERT_TRUE(code) << "the operator left without a close frame";
    EXPECT_EQ(*code, 1000);
    operator_->start();
    EXPECT_TRUE(eventually([&] { return server_->connections() > before; }, 60s)) << "the operator did not reconnect";
}

}  // namespace
}  // namespace sb::optest
