// The operator binary against a real kube-apiserver + controller-manager,
// running with the chart's RBAC (a ServiceAccount token, never admin).
#include <gtest/gtest.h>
#include <sodium.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <random>
#include <set>
#include <sstream>

#include "operator/app/app_reconciler.hpp"
#include "common/base64.hpp"
#include "operator/common/crd_types.hpp"
#include "operator/app/deploy_key.hpp"
#include "kube/errors.hpp"
#include "tests/operator/support/operator_fixture.hpp"
#include "operator/project/project_objects.hpp"
#include "tests/support/scratch.hpp"

namespace sb::optest {
namespace {

using namespace std::chrono_literals;
using sb::get_string;
namespace crds = op::crds;
namespace res = kube::resources;

class OperatorTest : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        auto& cp = testenv::LocalControlPlane::shared();
        scratch_ = new testenv::ScratchDir("operator-it");
        admin_ = new SyncKube(cp.admin_kubeconfig());
        install_crds_from_source(*admin_);
        create_registry_secret(*admin_);
        auto kubeconfig = operator_service_account_kubeconfig(*admin_, cp, scratch_->path());
        operator_kubeconfig_ = kubeconfig;
        operator_ = new OperatorProcess(kubeconfig, *scratch_ / "operator.log",
                                        {"--default-registry", "registry.local:5000", "--lease-namespace", "shapeblock"});
        operator_->start();
    }
    static void TearDownTestSuite() {
        operator_->stop();
        delete operator_;
        delete admin_;
        delete scratch_;
    }
    void TearDown() override {
        if (HasFailure()) std::cerr << "---- operator log (tail) ----\n" << tail(operator_->log(), 6000) << "\n";
    }
    static std::string tail(const std::string& s, std::size_t n) { return s.size() > n ? s.substr(s.size() - n) : s; }

    static json::object project(const std::string& name) { return admin_->get(crds::projects, "", name); }
    static bool project_phase_is(const std::string& name, const std::string& phase) {
        auto p = admin_->try_get(crds::projects, "", name);
        return p && get_string(*p, "status.phase") == phase;
    }
    static void create_project(const std::string& name, const std::string& extra_spec = "") {
        admin_->create(crds::projects, json::parse(project_json(name, extra_spec)).as_object());
    }
    static json::object app_json(const std::string& ns, const std::string& name, const std::string& spec) {
        return json::parse(R"({"apiVersion":"apps.shapeblock.io/v1alpha1","kind":"App","metadata":{"name":")" + name +
                           R"(","namespace":")" + ns + R"("},"spec":)" + spec + "}")
            .as_object();
    }
    static void wait_active(const std::string& name) {
        ASSERT_TRUE(eventually([&] { return project_phase_is(name, "Active"); }))
            << json::serialize(admin_->try_get(crds::projects, "", name).value_or(json::object{}));
    }

    static inline testenv::ScratchDir* scratch_ = nullptr;
    static inline SyncKube* admin_ = nullptr;
    static inline OperatorProcess* operator_ = nullptr;
    static inline std::filesystem::path operator_kubeconfig_;
};

TEST_F(OperatorTest, ProjectGetsLabelledOwnedNamespace) {
    create_project("alpha");
    wait_active("alpha");
    auto p = project("alpha");
    EXPECT_EQ(get_string(p, "status.namespace"), "alpha");
    EXPECT_EQ(get_string(p, "status.message"), "");
    EXPECT_EQ(sb::get_int(p, "status.observedGeneration"), op::object_generation(p));
    EXPECT_TRUE(op::has_finalizer(p, op::kProjectFinalizer));
    const auto* ready = op::find_condition(p.at("status").at("conditions").as_array(), "Ready");
    ASSERT_NE(ready, nullptr);
    EXPECT_EQ(get_string(*ready, "status"), "True");

    auto ns = admin_->get(res::namespaces, "", "alpha");
    EXPECT_EQ(op::label_value(ns, "app.kubernetes.io/managed-by"), "shapeblock");
    EXPECT_EQ(op::label_value(ns, "shapeblock.io/project"), "alpha");
    EXPECT_TRUE(op::is_owned_by(ns, get_string(p, "metadata.uid")));
}

TEST_F(OperatorTest, RegistrySecretIsCopiedRecopiedAndKeptInSync) {
    create_project("bravo");
    wait_active("bravo");
    auto data_of = [](const json::object& s) { return s.at("data").as_object().at(".dockerconfigjson"); };
    ASSERT_TRUE(eventually([&] { return admin_->try_get(res::secrets, "bravo", "registry-credentials").has_value(); }));
    auto copy = admin_->get(res::secrets, "bravo", "registry-credentials");
    EXPECT_EQ(get_string(copy, "type"), "kubernetes.io/dockerconfigjson");
    EXPECT_EQ(data_of(copy), "e30=");

    // Deleted copy comes back.
    admin_->remove(res::secrets, "bravo", "registry-credentials");
    ASSERT_TRUE(eventually([&] { return admin_->try_get(res::secrets, "bravo", "registry-credentials").has_value(); }));

    // A change of the source reaches every project.
    create_registry_secret(*admin_, "eyJhdXRocyI6e319");  // {"auths":{}}
    EXPECT_TRUE(eventually([&] {
        return data_of(admin_->get(res::secrets, "bravo", "registry-credentials")) == "eyJhdXRocyI6e319" &&
               data_of(admin_->get(res::secrets, "alpha", "registry-credentials")) == "eyJhdXRocyI6e319";
    }));
    create_registry_secret(*admin_);
}

TEST_F(OperatorTest, QuotaLimitRangeAndNetworkPolicy) {
    create_project("charlie", R"(,"quota":{"cpu":"2","memory":"4Gi","storage":"10Gi","pods":20})");
    wait_active("charlie");
    ASSERT_TRUE(eventually([&] { return admin_->try_get(op::builtin::resourcequotas, "charlie", op::kQuotaName).has_value(); }));
    auto rq = admin_->get(op::builtin::resourcequotas, "charlie", op::kQuotaName);
    const auto& hard = rq.at("spec").at("hard").as_object();
    EXPECT_EQ(hard.at("limits.cpu"), "2");
    EXPECT_EQ(hard.at("requests.memory"), "4Gi");
    EXPECT_EQ(hard.at("requests.storage"), "10Gi");
    EXPECT_EQ(hard.at("pods"), "20");
    ASSERT_TRUE(eventually([&] { return admin_->try_get(op::builtin::limitranges, "charlie", op::kLimitRangeName).has_value(); }));
    ASSERT_TRUE(eventually([&] { return admin_->try_get(op::builtin::networkpolicies, "charlie", op::kNetworkPolicyName).has_value(); }));
    auto np = admin_->get(op::builtin::networkpolicies, "charlie", op::kNetworkPolicyName);
    EXPECT_EQ(np.at("spec").at("policyTypes"), json::array{"Ingress"});

    // Switching isolation off removes the policy; removing the quota removes both objects.
    admin_->merge_patch(crds::projects, "", "charlie",
                        json::parse(R"({"spec":{"networkPolicy":{"enabled":false},"quota":null}})"));
    EXPECT_TRUE(eventually([&] {
        return !admin_->try_get(op::builtin::networkpolicies, "charlie", op::kNetworkPolicyName) &&
               !admin_->try_get(op::builtin::resourcequotas, "charlie", op::kQuotaName) &&
               !admin_->try_get(op::builtin::limitranges, "charlie", op::kLimitRangeName);
    }));
    // A project without quota has neither.
    EXPECT_FALSE(admin_->try_get(op::builtin::resourcequotas, "alpha", op::kQuotaName));
    EXPECT_TRUE(admin_->try_get(op::builtin::networkpolicies, "alpha", op::kNetworkPolicyName).has_value());
}

TEST_F(OperatorTest, DeletingAProjectDeletesItsNamespaceFirst) {
    create_project("delta");
    wait_active("delta");
    admin_->remove(crds::projects, "", "delta");
    // The Project stays (finalizer) while its namespace terminates, then both go.
    bool saw_terminating = false;
    ASSERT_TRUE(eventually(
        [&] {
            auto p = admin_->try_get(crds::projects, "", "delta");
            auto ns = admin_->try_get(res::namespaces, "", "delta");
            if (p && !ns) return false;  // never: the project outlives its namespace
            if (p && get_string(*p, "status.phase") == "Terminating") saw_terminating = true;
            return !p && !ns;
        },
        120s));
    EXPECT_TRUE(saw_terminating);
}

TEST_F(OperatorTest, ForeignNamespaceIsNeverAdopted) {
    admin_->create(res::namespaces,
                   json::parse(R"({"apiVersion":"v1","kind":"Namespace","metadata":{"name":"echo","labels":{"team":"x"}}})")
                       .as_object());
    create_project("echo");
    ASSERT_TRUE(eventually([&] { return project_phase_is("echo", "Failed"); }));
    auto p = project("echo");
    EXPECT_NE(get_string(p, "status.message").find("namespace echo already exists"), std::string::npos)
        << get_string(p, "status.message");
    auto ns = admin_->get(res::namespaces, "", "echo");
    EXPECT_FALSE(op::is_owned_by(ns, get_string(p, "metadata.uid")));
    EXPECT_EQ(op::label_value(ns, "shapeblock.io/project"), "");
    EXPECT_FALSE(admin_->try_get(res::secrets, "echo", "registry-credentials"));

    // Deleting the Project leaves the foreign namespace alone.
    admin_->remove(crds::projects, "", "echo");
    ASSERT_TRUE(eventually([&] { return !admin_->try_get(crds::projects, "", "echo"); }));
    auto still = admin_->try_get(res::namespaces, "", "echo");
    ASSERT_TRUE(still.has_value());
    EXPECT_TRUE(get_string(*still, "metadata.deletionTimestamp").empty());
}

TEST_F(OperatorTest, SpecNameIsImmutable) {
    create_project("foxtrot");
    wait_active("foxtrot");
    admin_->merge_patch(crds::projects, "", "foxtrot", json::parse(R"({"spec":{"name":"other"}})"));
    ASSERT_TRUE(eventually([&] {
        return get_string(project("foxtrot"), "status.message").find("spec.name cannot change") != std::string::npos;
    }));
    EXPECT_EQ(get_string(project("foxtrot"), "status.namespace"), "foxtrot");
    EXPECT_FALSE(admin_->try_get(res::namespaces, "", "other"));
}

TEST_F(OperatorTest, PrivateRepositoryGetsADeployKey) {
    create_project("golf");
    wait_active("golf");
    admin_->create(crds::apps, app_json("golf", "web", R"({"git":{"url":"git@github.com:acme/web.git","isPrivate":true},
        "build":{"type":"dockerfile"},"domains":["web.example.com"]})"));
    ASSERT_TRUE(eventually([&] {
        auto a = admin_->get(crds::apps, "golf", "web");
        return !get_string(a, "status.deployKey").empty();
    }));
    auto app = admin_->get(crds::apps, "golf", "web");
    EXPECT_EQ(get_string(app, "status.phase"), "Pending");
    EXPECT_EQ(get_string(app, "status.buildType"), "dockerfile");
    EXPECT_EQ(get_string(app, "status.deployKeySecretName"), "web-ssh");
    EXPECT_EQ(get_string(app, "status.url"), "https://web.example.com");
    EXPECT_FALSE(get_string(app, "status.lastUpdated").empty());
    auto status_text = json::serialize(app.at("status"));
    EXPECT_EQ(status_text.find("PRIVATE"), std::string::npos);

    // The public key: "ssh-ed25519 <base64 of the wire blob> shapeblock-golf-web".
    auto public_key = get_string(app, "status.deployKey");
    std::istringstream parts(public_key);
    std::string type, blob64, comment;
    parts >> type >> blob64 >> comment;
    EXPECT_EQ(type, "ssh-ed25519");
    EXPECT_EQ(comment, "shapeblock-golf-web");
    auto blob = sb::base64_decode(blob64);
    ASSERT_EQ(blob.size(), 51u);
    EXPECT_EQ(blob.substr(4, 11), "ssh-ed25519");

    // The private key lives only in the Secret, owned by the App, and matches.
    auto secret = admin_->get(res::secrets, "golf", "web-ssh");
    EXPECT_EQ(get_string(secret, "type"), "kubernetes.io/ssh-auth");
    EXPECT_TRUE(op::is_owned_by(secret, get_string(app, "metadata.uid")));
    auto pem = sb::base64_decode(secret.at("data").at("ssh-privatekey").as_string());
    EXPECT_TRUE(pem.starts_with("-----BEGIN OPENSSH PRIVATE KEY-----"));
    EXPECT_EQ(op::public_key_from_private(pem), public_key);

    // The key is stable across reconciles: touching the App does not rotate it.
    admin_->merge_patch(crds::apps, "golf", "web", json::parse(R"({"spec":{"git":{"branch":"dev"}}})"));
    std::this_thread::sleep_for(1s);
    EXPECT_EQ(get_string(admin_->get(crds::apps, "golf", "web"), "status.deployKey"), public_key);

    // Deleting the App takes its key with it (garbage collection through the ownerReference).
    admin_->remove(crds::apps, "golf", "web");
    EXPECT_TRUE(eventually([&] { return !admin_->try_get(res::secrets, "golf", "web-ssh"); }, 60s));
}

TEST_F(OperatorTest, TheDeployKeyGoesWhenTheRepositoryStopsBeingPrivateOrHasASecret) {
    create_project("golf2");
    wait_active("golf2");
    admin_->create(crds::apps, app_json("golf2", "web", R"({"git":{"url":"git@github.com:acme/web.git","isPrivate":true},
        "build":{"type":"dockerfile"}})"));
    auto key_shown = [&] { return !get_string(admin_->get(crds::apps, "golf2", "web"), "status.deployKey").empty(); };
    ASSERT_TRUE(eventually(key_shown));
    const auto first_uid = get_string(admin_->get(res::secrets, "golf2", "web-ssh"), "metadata.uid");
    auto key_gone = [&] {
        auto status = admin_->get(crds::apps, "golf2", "web").at("status").as_object();
        return !admin_->try_get(res::secrets, "golf2", "web-ssh") && !status.contains("deployKey") &&
               !status.contains("deployKeySecretName");
    };

    // No longer private: the Secret and the status fields go, and the app stays valid.
    admin_->merge_patch(crds::apps, "golf2", "web", json::parse(R"({"spec":{"git":{"isPrivate":false}}})"));
    ASSERT_TRUE(eventually(key_gone, 60s)) << json::serialize(admin_->get(crds::apps, "golf2", "web").at("status"));
    auto app = admin_->get(crds::apps, "golf2", "web");
    EXPECT_EQ(get_string(app, "status.phase"), "Pending") << get_string(app, "status.message");
    EXPECT_EQ(op::find_condition(app.at("status").at("conditions").as_array(), "DeployKeyReady"), nullptr);
    EXPECT_NE(operator_->log().find("deploy key removed"), std::string::npos);

    // Private again: a new key (the old one is gone for good).
    admin_->merge_patch(crds::apps, "golf2", "web", json::parse(R"({"spec":{"git":{"isPrivate":true}}})"));
    ASSERT_TRUE(eventually(key_shown));
    EXPECT_NE(get_string(admin_->get(res::secrets, "golf2", "web-ssh"), "metadata.uid"), first_uid);

    // The user's own secret replaces the generated key.
    admin_->create(res::secrets, json::parse(R"({"apiVersion":"v1","kind":"Secret","metadata":{"name":"git-creds",
        "namespace":"golf2"},"type":"kubernetes.io/ssh-auth","stringData":{"ssh-privatekey":"not a real key"}})").as_object());
    admin_->merge_patch(crds::apps, "golf2", "web", json::parse(R"({"spec":{"git":{"secretName":"git-creds"}}})"));
    ASSERT_TRUE(eventually(key_gone, 60s));
    EXPECT_TRUE(admin_->try_get(res::secrets, "golf2", "git-creds")) << "the user's Secret is never touched";

    // A Secret of that name the app does not own is never deleted.
    admin_->merge_patch(crds::apps, "golf2", "web", json::parse(R"({"spec":{"git":{"secretName":null}}})"));
    ASSERT_TRUE(eventually(key_shown));
    admin_->remove(crds::apps, "golf2", "web");
    ASSERT_TRUE(eventually([&] { return !admin_->try_get(res::secrets, "golf2", "web-ssh"); }, 60s));
    admin_->create(res::secrets, json::parse(R"({"apiVersion":"v1","kind":"Secret","metadata":{"name":"web-ssh",
        "namespace":"golf2","labels":{"app.kubernetes.io/managed-by":"shapeblock"}},"stringData":{"x":"y"}})").as_object());
    admin_->create(crds::apps, app_json("golf2", "web", R"({"git":{"url":"git@github.com:acme/web.git"},
        "build":{"type":"dockerfile"}})"));
    std::this_thread::sleep_for(2s);
    EXPECT_TRUE(admin_->try_get(res::secrets, "golf2", "web-ssh"));
}

TEST_F(OperatorTest, InvalidAppsFailWithAnActionableMessage) {
    create_project("hotel");
    wait_active("hotel");
    // The schema cannot see that this context path leaves the repository.
    admin_->create(crds::apps, app_json("hotel", "img", R"({"git":{"url":"https://github.com/acme/img.git"},
        "build":{"type":"dockerfile","contextPath":"app/../../etc"}})"));
    ASSERT_TRUE(eventually([&] { return get_string(admin_->get(crds::apps, "hotel", "img"), "status.phase") == "Failed"; }));
    auto app = admin_->get(crds::apps, "hotel", "img");
    EXPECT_NE(get_string(app, "status.message").find("leaves the repository"), std::string::npos)
        << get_string(app, "status.message");
    const auto* valid = op::find_condition(app.at("status").at("conditions").as_array(), "Valid");
    ASSERT_NE(valid, nullptr);
    EXPECT_EQ(get_string(*valid, "status"), "False");

    // Fixing the spec clears the failure.
    admin_->merge_patch(crds::apps, "hotel", "img", json::parse(R"({"spec":{"build":{"contextPath":"app"}}})"));
    ASSERT_TRUE(eventually([&] { return get_string(admin_->get(crds::apps, "hotel", "img"), "status.phase") == "Pending"; }));
    app = admin_->get(crds::apps, "hotel", "img");
    EXPECT_EQ(get_string(app, "status.message"), "");
    EXPECT_EQ(get_string(app, "status.buildType"), "dockerfile");

    // A git secret that does not exist.
    admin_->create(crds::apps, app_json("hotel", "sec", R"({"git":{"url":"https://github.com/acme/s.git",
        "secretName":"missing","isPrivate":true}})"));
    ASSERT_TRUE(eventually([&] { return get_string(admin_->get(crds::apps, "hotel", "sec"), "status.phase") == "Failed"; }));
    EXPECT_NE(get_string(admin_->get(crds::apps, "hotel", "sec"), "status.message").find("Secret missing not found"),
              std::string::npos);
    // https + private + no secret: the message says what to do.
    admin_->create(crds::apps, app_json("hotel", "https", R"({"git":{"url":"https://github.com/acme/h.git","isPrivate":true}})"));
    ASSERT_TRUE(eventually([&] { return get_string(admin_->get(crds::apps, "hotel", "https"), "status.phase") == "Failed"; }));
    EXPECT_NE(get_string(admin_->get(crds::apps, "hotel", "https"), "status.message").find("use the SSH URL"),
              std::string::npos);
    EXPECT_FALSE(admin_->try_get(res::secrets, "hotel", "https-ssh"));
}

TEST_F(OperatorTest, GitUrlChangeIsIgnoredAndReported) {
    create_project("india");
    wait_active("india");
    admin_->create(crds::apps, app_json("india", "api", R"({"git":{"url":"https://github.com/acme/api.git"}})"));
    ASSERT_TRUE(eventually([&] { return get_string(admin_->get(crds::apps, "india", "api"), "status.phase") == "Pending"; }));
    admin_->merge_patch(crds::apps, "india", "api", json::parse(R"({"spec":{"git":{"url":"https://github.com/acme/other.git"}}})"));
    ASSERT_TRUE(eventually([&] {
        return get_string(admin_->get(crds::apps, "india", "api"), "status.message").find("git.url cannot change") !=
               std::string::npos;
    }));
    auto app = admin_->get(crds::apps, "india", "api");
    EXPECT_EQ(get_string(app, "status.phase"), "Pending");  // reported, not fatal
    const auto* accepted = op::find_condition(app.at("status").at("conditions").as_array(), "SpecAccepted");
    ASSERT_NE(accepted, nullptr);
    EXPECT_EQ(get_string(*accepted, "status"), "False");
    // Changing it back clears the notice.
    admin_->merge_patch(crds::apps, "india", "api", json::parse(R"({"spec":{"git":{"url":"https://github.com/acme/api.git"}}})"));
    ASSERT_TRUE(eventually([&] { return get_string(admin_->get(crds::apps, "india", "api"), "status.message").empty(); }));
}

TEST_F(OperatorTest, NamespaceDeletedByHandIsRecreated) {
    create_project("kilo");
    wait_active("kilo");
    auto uid = get_string(admin_->get(res::namespaces, "", "kilo"), "metadata.uid");
    admin_->remove(res::namespaces, "", "kilo");
    ASSERT_TRUE(eventually(
        [&] {
            auto ns = admin_->try_get(res::namespaces, "", "kilo");
            return ns && get_string(*ns, "metadata.uid") != uid && !op::is_being_deleted(*ns) &&
                   admin_->try_get(res::secrets, "kilo", "registry-credentials").has_value() &&
                   project_phase_is("kilo", "Active");
        },
        120s));
}

TEST_F(OperatorTest, RemovedNamespaceLabelIsReported) {
    create_project("lima");
    wait_active("lima");
    admin_->merge_patch(res::namespaces, "", "lima", json::parse(R"({"metadata":{"labels":{"shapeblock.io/project":null}}})"));
    ASSERT_TRUE(eventually([&] {
        return get_string(project("lima"), "status.message").find("lost its label shapeblock.io/project=lima") !=
               std::string::npos;
    })) << json::serialize(project("lima"));
    admin_->merge_patch(res::namespaces, "", "lima", json::parse(R"({"metadata":{"labels":{"shapeblock.io/project":"lima"}}})"));
    EXPECT_TRUE(eventually([&] { return get_string(project("lima"), "status.message").empty(); }));
}

TEST_F(OperatorTest, ServesMetricsAndHealth) {
    int port = 0;
    ASSERT_TRUE(eventually([&] { return (port = operator_->health_port()) > 0; }));
    EXPECT_NE(http_get(port, "/healthz").find(" 200 "), std::string::npos);
    EXPECT_NE(http_get(port, "/readyz").find(" 200 "), std::string::npos);
    auto metrics = http_get(port, "/metrics");
    EXPECT_NE(metrics.find("sb_controller_reconcile_total{controller=\"project\""), std::string::npos) << metrics;
    EXPECT_NE(metrics.find("sb_controller_reconcile_total{controller=\"app\""), std::string::npos);
    EXPECT_NE(metrics.find("process_resident_memory_bytes"), std::string::npos);
}

// Runs last (gtest keeps declaration order): the chart's RBAC was enough for everything above.
TEST_F(OperatorTest, ChartRbacWasSufficient) {
    ASSERT_TRUE(operator_->running());
    auto log = operator_->log();
    EXPECT_EQ(log.find("forbidden"), std::string::npos) << tail(log, 4000);
    EXPECT_EQ(log.find("Forbidden"), std::string::npos) << tail(log, 4000);
    // And no broader than that: the same token cannot read ConfigMaps or touch Deployments.
    SyncKube as_operator(operator_kubeconfig_);
    try {
        as_operator.list(res::configmaps, "kube-system");
        ADD_FAILURE() << "the operator's ServiceAccount can list ConfigMaps";
    } catch (const kube::ApiError& e) {
        EXPECT_TRUE(kube::is_forbidden(e)) << e.what();
    }
    try {
        as_operator.remove(res::deployments, "default", "anything");
        ADD_FAILURE() << "the operator's ServiceAccount can delete Deployments";
    } catch (const kube::ApiError& e) {
        EXPECT_TRUE(kube::is_forbidden(e)) << e.what();
    }
}

// `shapeblock-operator build-log` with the operator's own credentials (so
// the chart's RBAC covers it): what a build without a pod recorded, and
// clear errors for a missing build and a malformed argument.
TEST_F(OperatorTest, BuildLogSubcommand) {
    const std::string ns = "build-log-cli";
    admin_->create(res::namespaces, json::object{{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", ns}}}});
    admin_->create(crds::appbuilds, json::parse(R"({"apiVersion":"apps.shapeblock.io/v1alpha1","kind":"AppBuild",
        "metadata":{"name":"orphan-1","namespace":")" + ns + R"("},"spec":{"appName":"orphan","gitRef":"main"}})").as_object());
    // The operator reports it waiting for its App.
    ASSERT_TRUE(eventually([&] { return get_string(admin_->get(crds::appbuilds, ns, "orphan-1"), "status.phase") == "Pending"; }));
    const std::vector<std::string> command{SB_OPERATOR_BINARY, "build-log", "--kubeconfig", operator_kubeconfig_.string()};
    auto with = [&](const std::string& target) {
        auto argv = command;
        argv.insert(argv.begin() + 2, target);
        return argv;
    };
    const auto out = testenv::run_command(with(ns + "/orphan-1"));
    EXPECT_NE(out.find("AppBuild " + ns + "/orphan-1 has no build pod yet"), std::string::npos) << out;
    EXPECT_NE(out.find("phase: Pending"), std::string::npos) << out;
    EXPECT_NE(out.find("waiting for App orphan"), std::string::npos) << out;
    try {
        testenv::run_command(with(ns + "/nope-1"));
        ADD_FAILURE() << "a missing build printed a log";
    } catch (const std::exception& e) {
        EXPECT_NE(std::string(e.what()).find("AppBuild " + ns + "/nope-1 not found"), std::string::npos) << e.what();
    }
    try {
        testenv::run_command(with("no-slash"));
        ADD_FAILURE() << "a malformed argument was accepted";
    } catch (const std::exception& e) {
        EXPECT_NE(std::string(e.what()).find("expected <namespace>/<appbuild>"), std::string::npos) << e.what();
    }
}

// Runs after the RBAC check: a second replica waits for the Lease; when the
// leader shuts down cleanly (SIGTERM) it hands over at once.
TEST_F(OperatorTest, SecondReplicaWaitsForTheLeaseAndTakesOver) {
    OperatorProcess standby(operator_kubeconfig_, *scratch_ / "standby.log",
                            {"--default-registry", "registry.local:5000", "--lease-namespace", "shapeblock"});
    standby.start();
    ASSERT_TRUE(eventually([&] { return standby.log().find("waiting for leadership") != std::string::npos; }));
    std::this_thread::sleep_for(3s);
    EXPECT_EQ(standby.log().find("controller starting"), std::string::npos) << standby.log();

    auto stop_started = std::chrono::steady_clock::now();
    operator_->stop();  // SIGTERM, 5 s grace
    EXPECT_LT(std::chrono::steady_clock::now() - stop_started, 5s);
    EXPECT_NE(operator_->log().find("operator stopped"), std::string::npos) << tail(operator_->log(), 3000);

    // Released, not expired: the standby leads well before the 15 s lease duration.
    ASSERT_TRUE(eventually([&] { return standby.log().find("controller starting") != std::string::npos; }, 10s))
        << standby.log();
    create_project("juliett");
    wait_active("juliett");
    standby.stop();
}

}  // namespace
}  // namespace sb::optest
