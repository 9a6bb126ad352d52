// observe_database: helm-controller's install Job, then the release's StatefulSets.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "operator/helm/statefulset_status.hpp"

namespace json = boost::json;
using namespace sb::op::helm;

namespace {

const DeployTarget kTarget{"db", "job-0", ""};

json::object complete_job() {
    return {{"metadata", {{"name", "helm-install-db"}, {"namespace", "p"}, {"uid", "job-1"}}},
            {"status", {{"conditions", json::array{{{"type", "Complete"}, {"status", "True"}}}}}}};
}

struct Sts {
    std::int64_t generation = 1, observed = 1;
    std::optional<std::int64_t> replicas = 1;
    std::int64_t ready = 0, updated = 0;
    std::string current_revision = "db-postgresql-1", update_revision = "db-postgresql-1";
    std::string strategy;  // "" = the default (RollingUpdate)
};

json::object statefulset(const Sts& s, const std::string& name = "db-postgresql") {
    json::object spec;
    if (s.replicas) spec["replicas"] = *s.replicas;
    if (!s.strategy.empty()) spec["updateStrategy"] = {{"type", s.strategy}};
    return {{"metadata", {{"name", name}, {"namespace", "p"}, {"uid", "sts-" + name}, {"generation", s.generation}}},
            {"spec", std::move(spec)},
            {"status",
             {{"observedGeneration", s.observed},
              {"readyReplicas", s.ready},
              {"updatedReplicas", s.updated},
              {"currentRevision", s.current_revision},
              {"updateRevision", s.update_revision}}}};
}

json::object pod(const std::string& owner_uid, json::object container_status) {
    container_status["name"] = "postgresql";
    return {{"metadata",
             {{"name", "db-postgresql-0"},
              {"namespace", "p"},
              {"ownerReferences", json::array{{{"kind", "StatefulSet"}, {"name", "db-postgresql"}, {"uid", owner_uid}}}}}},
            {"status", {{"phase", "Running"}, {"containerStatuses", json::array{std::move(container_status)}}}}};
}

json::object crash_looping(const std::string& owner_uid) {
    return pod(owner_uid, {{"restartCount", 4},
                           {"state", {{"waiting", {{"reason", "CrashLoopBackOff"}, {"message", "back-off 40s restarting failed container"}}}}},
                           {"lastState", {{"terminated", {{"exitCode", 1}, {"reason", "Error"}, {"message", "FATAL: data directory has wrong ownership\n"}}}}}});
}

}  // namespace

TEST(StatefulSetStatus, TheInstallComesFirst) {
    auto o = observe_database(kTarget, nullptr, {}, {statefulset({.ready = 1, .updated = 1})}, {});
    EXPECT_EQ(o.state, DeployState::installing);
    EXPECT_NE(o.message.find("helm-install-db"), std::string::npos) << o.message;
}

TEST(StatefulSetStatus, InstalledWithoutAStatefulSetWaitsForOne) {
    auto job = complete_job();
    auto o = observe_database(kTarget, &job, {}, {}, {});
    EXPECT_EQ(o.state, DeployState::rolling_out);
    EXPECT_EQ(o.reason, database_reasons::starting);
    EXPECT_NE(o.message.find("app.kubernetes.io/instance=db"), std::string::npos) << o.message;
}

TEST(StatefulSetStatus, NoReadyReplicaIsStarting) {
    auto job = complete_job();
    auto o = observe_database(kTarget, &job, {}, {statefulset({.ready = 0})}, {});
    EXPECT_EQ(o.state, DeployState::rolling_out);
    EXPECT_EQ(o.message, "database starting: StatefulSet db-postgresql: 0/1 replicas ready");
}

TEST(StatefulSetStatus, EveryReplicaReadyIsRunning) {
    auto job = complete_job();
    auto o = observe_database(kTarget, &job, {}, {statefulset({.replicas = 3, .ready = 3, .updated = 3})}, {});
    EXPECT_EQ(o.state, DeployState::running);
    EXPECT_EQ(o.reason, database_reasons::ready);
    EXPECT_EQ(o.message, "database running (3 replicas ready)");
}

TEST(StatefulSetStatus, OmittedReplicasMeanOne) {
    auto o = observe_statefulsets("db", {statefulset({.replicas = std::nullopt, .ready = 0})}, {});
    EXPECT_EQ(o.message, "database starting: StatefulSet db-postgresql: 0/1 replicas ready");
    o = observe_statefulsets("db", {statefulset({.replicas = std::nullopt, .ready = 1, .updated = 1})}, {});
    EXPECT_EQ(o.state, DeployState::running) << o.message;
}

TEST(StatefulSetStatus, AnUnobservedGenerationIsNotReady) {
    auto o = observe_statefulsets("db", {statefulset({.generation = 2, .observed = 1, .ready = 1, .updated = 1})}, {});
    EXPECT_EQ(o.state, DeployState::rolling_out);
    EXPECT_NE(o.message.find("waiting for the StatefulSet controller to see db-postgresql"), std::string::npos) << o.message;
}

TEST(StatefulSetStatus, ARevisionMidUpdateIsNotReady) {
    Sts mid{.replicas = 2, .ready = 2, .updated = 1, .current_revision = "db-postgresql-1", .update_revision = "db-postgresql-2"};
    auto o = observe_statefulsets("db", {statefulset(mid)}, {});
    EXPECT_EQ(o.state, DeployState::rolling_out);
    EXPECT_EQ(o.message, "database starting: StatefulSet db-postgresql: 1/2 replicas updated");
    // Every replica updated: done even before the controller moves currentRevision.
    mid.updated = 2;
    EXPECT_EQ(observe_statefulsets("db", {statefulset(mid)}, {}).state, DeployState::running);
    // OnDelete: pods change only when deleted; revisions say nothing about readiness.
    mid.updated = 0;
    mid.strategy = "OnDelete";
    EXPECT_EQ(observe_statefulsets("db", {statefulset(mid)}, {}).state, DeployState::running);
}

TEST(StatefulSetStatus, EveryStatefulSetOfTheReleaseMustBeReady) {
    auto o = observe_statefulsets("db", {statefulset({.ready = 1, .updated = 1}, "db-redis-master"),
                                         statefulset({.ready = 0}, "db-redis-replicas")},
                                  {});
    EXPECT_EQ(o.message, "database starting: StatefulSet db-redis-replicas: 0/1 replicas ready");
}

TEST(StatefulSetStatus, ACrashLoopingPodFailsWithItsLastExit) {
    auto o = observe_statefulsets("db", {statefulset({.ready = 0})}, {crash_looping("sts-db-postgresql")});
    EXPECT_EQ(o.state, DeployState::failed);
    EXPECT_EQ(o.reason, database_reasons::failed);
    EXPECT_EQ(o.message,
              "database failed: pod db-postgresql-0 container postgresql: CrashLoopBackOff: back-off 40s restarting failed "
              "container (last exit code 1: FATAL: data directory has wrong ownership)");
}

TEST(StatefulSetStatus, AnImagePullBackOffFails) {
    auto p = pod("sts-db-postgresql", {{"state", {{"waiting", {{"reason", "ImagePullBackOff"}, {"message", "Back-off pulling image \"x\""}}}}}});
    auto o = observe_statefulsets("db", {statefulset({.ready = 0})}, {p});
    EXPECT_EQ(o.state, DeployState::failed);
    EXPECT_EQ(o.message, "database failed: pod db-postgresql-0 container postgresql: ImagePullBackOff: Back-off pulling image \"x\"");
}

TEST(StatefulSetStatus, FailureDetectionIsConservative) {
    // A first failed pull may be a registry hiccup: still starting.
    auto pulling = pod("sts-db-postgresql", {{"state", {{"waiting", {{"reason", "ErrImagePull"}}}}}});
    EXPECT_EQ(observe_statefulsets("db", {statefulset({.ready = 0})}, {pulling}).state, DeployState::rolling_out);
    // A crash-looping pod of another owner (an app's pod with the same label) says nothing.
    EXPECT_EQ(observe_statefulsets("db", {statefulset({.ready = 0})}, {crash_looping("rs-other")}).state, DeployState::rolling_out);
    // Every replica ready: a leftover crash-looping pod does not fail the database.
    EXPECT_EQ(observe_statefulsets("db", {statefulset({.ready = 1, .updated = 1})}, {crash_looping("sts-db-postgresql")}).state,
              DeployState::running);
}

TEST(StatefulSetStatus, AStatefulSetBeingDeletedIsIgnored) {
    auto going = statefulset({.ready = 0}, "db-old");
    going["metadata"].as_object()["deletionTimestamp"] = "2024-05-01T10:00:00Z";
    EXPECT_EQ(observe_statefulsets("db", {going, statefulset({.ready = 1, .updated = 1})}, {}).state, DeployState::running);
}
