// Proves the harness: a real kube-apiserver over HTTPS with token auth and
// RBAC, a real PostgreSQL, and no process left behind, even after a crash.
#include <gtest/gtest.h>
#include <libpq-fe.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <algorithm>
#include <fstream>
#include <sstream>
#include <thread>

#include "tests/support/https_probe.hpp"
#include "tests/support/local_control_plane.hpp"
#include "tests/support/local_postgres.hpp"

namespace sb::testenv {
namespace {

const char* kWidgetCrd = R"({
  "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
  "metadata": {"name": "widgets.harness.shapeblock.io"},
  "spec": {"group": "harness.shapeblock.io", "scope": "Namespaced",
    "names": {"plural": "widgets", "singular": "widget", "kind": "Widget"},
    "versions": [{"name": "v1", "served": true, "storage": true,
      "schema": {"openAPIV3Schema": {"type": "object", "properties": {
        "spec": {"type": "object", "required": ["size"],
                 "properties": {"size": {"type": "integer", "minimum": 1}}}}}}}]}})";

ProbeResponse call(const LocalControlPlane& cp, const std::string& token, const std::string& method,
                   const std::string& target, const std::string& body = "") {
    return https_request(cp.port(), cp.ca_pem(), {method, target, token, body});
}

// A zombie waiting for its (re)parent to reap it counts as gone.
bool process_alive(pid_t pid) {
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    std::string pid_field, comm, state;
    if (!(stat >> pid_field >> comm >> state)) return false;
    return state != "Z" && state != "X";
}

TEST(Harness, CreatesCrdAndCustomObjectAndEnforcesRbac) {
    auto& cp = LocalControlPlane::shared();
    auto crd = call(cp, cp.admin_token(), "POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", kWidgetCrd);
    ASSERT_EQ(crd.status, 201) << crd.body;

    // The CRD becomes served asynchronously (Established condition).
    ProbeResponse created;
    const std::string widget =
        R"({"apiVersion":"harness.shapeblock.io/v1","kind":"Widget","metadata":{"name":"w1"},"spec":{"size":3}})";
    for (int i = 0; i < 100; ++i) {
        created = call(cp, cp.admin_token(), "POST", "/apis/harness.shapeblock.io/v1/namespaces/default/widgets", widget);
        if (created.status != 404) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    ASSERT_EQ(created.status, 201) << created.body;
    auto got = call(cp, cp.admin_token(), "GET", "/apis/harness.shapeblock.io/v1/namespaces/default/widgets/w1");
    ASSERT_EQ(got.status, 200);
    EXPECT_EQ(boost::json::parse(got.body).at("spec").at("size").as_int64(), 3);

    // The schema is enforced by the real apiserver.
    auto invalid = call(cp, cp.admin_token(), "POST", "/apis/harness.shapeblock.io/v1/namespaces/default/widgets",
                        R"({"apiVersion":"harness.shapeblock.io/v1","kind":"Widget","metadata":{"name":"w2"},"spec":{"size":0}})");
    EXPECT_EQ(invalid.status, 422) << invalid.body;

    // A user without RBAC grants is refused: authenticated, not authorised.
    auto refused = call(cp, cp.user_token(), "GET", "/apis/harness.shapeblock.io/v1/namespaces/default/widgets/w1");
    EXPECT_EQ(refused.status, 403) << refused.body;
    auto refused_create = call(cp, cp.user_token(), "POST",
                               "/apis/harness.shapeblock.io/v1/namespaces/default/widgets", widget);
    EXPECT_EQ(refused_create.status, 403);
    auto anonymous = call(cp, "not-a-token", "GET", "/api/v1/namespaces");
    EXPECT_EQ(anonymous.status, 401);
}

TEST(Harness, ControllerManagerRunsJobController) {
    auto& cp = LocalControlPlane::shared();
    auto job = call(cp, cp.admin_token(), "POST", "/apis/batch/v1/namespaces/default/jobs", R"({
      "apiVersion":"batch/v1","kind":"Job","metadata":{"name":"harness-job"},
      "spec":{"template":{"spec":{"restartPolicy":"Never",
        "containers":[{"name":"c","image":"busybox"}]}}}})");
    ASSERT_EQ(job.status, 201) << job.body;
    bool pod_created = false;
    for (int i = 0; i < 150 && !pod_created; ++i) {
        auto pods = call(cp, cp.admin_token(), "GET", "/api/v1/namespaces/default/pods?labelSelector=job-name%3Dharness-job");
        pod_created = pods.status == 200 && !boost::json::parse(pods.body).at("items").as_array().empty();
        if (!pod_created) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    EXPECT_TRUE(pod_created) << "the Job controller never created a Pod";
}

TEST(Harness, PostgresAcceptsConnections) {
    auto& pg = LocalPostgres::shared();
    std::string url = pg.create_database("harness");
    PGconn* conn = PQconnectdb(url.c_str());
    ASSERT_EQ(PQstatus(conn), CONNECTION_OK) << PQerrorMessage(conn);
    PGresult* res = PQexec(conn, "SELECT 40 + 2");
    ASSERT_EQ(PQresultStatus(res), PGRES_TUPLES_OK);
    EXPECT_STREQ(PQgetvalue(res, 0, 0), "42");
    PQclear(res);
    PQfinish(conn);
}

std::vector<pid_t> children_of(pid_t parent) {
    std::vector<pid_t> pids;
    std::ifstream in("/proc/" + std::to_string(parent) + "/task/" + std::to_string(parent) + "/children");
    pid_t p;
    while (in >> p) pids.push_back(p);
    return pids;
}

TEST(Harness, TeardownLeavesNoProcessAndNoDirectory) {
    std::vector<pid_t> pids;
    std::filesystem::path dir;
    {
        auto before = children_of(getpid());
        LocalControlPlane cp(ControlPlaneOptions{.controller_manager = true});
        dir = cp.dir();
        for (pid_t pid : children_of(getpid()))
            if (std::find(before.begin(), before.end(), pid) == before.end()) pids.push_back(pid);
        ASSERT_EQ(pids.size(), 3u) << "expected etcd, kube-apiserver and kube-controller-manager";
    }
    for (pid_t pid : pids) EXPECT_FALSE(process_alive(pid)) << "pid " << pid << " survived teardown";
    EXPECT_FALSE(std::filesystem::exists(dir));
}

TEST(Harness, CrashOfTheTestProcessKillsItsServers) {
    int pipefd[2];
    ASSERT_EQ(pipe(pipefd), 0);
    pid_t test_process = fork();
    if (test_process == 0) {
        close(pipefd[0]);
        LocalControlPlane cp(ControlPlaneOptions{.controller_manager = false});
        std::string pids = cp.dir().string() + " ";
        for (pid_t p : children_of(getpid())) pids += std::to_string(p) + " ";
        pids += "\n";
        if (write(pipefd[1], pids.data(), pids.size()) < 0) _exit(2);
        abort();  // a crashing test: no destructor runs
    }
    close(pipefd[1]);
    std::string line;
    char buf[256];
    ssize_t n;
    while ((n = read(pipefd[0], buf, sizeof(buf))) > 0) line.append(buf, static_cast<std::size_t>(n));
    close(pipefd[0]);
    int status = 0;
    waitpid(test_process, &status, 0);
    ASSERT_TRUE(WIFSIGNALED(status));
    std::istringstream in(line);
    std::string crashed_dir;
    in >> crashed_dir;
    std::vector<pid_t> pids;
    pid_t p;
    while (in >> p) pids.push_back(p);
    ASSERT_EQ(pids.size(), 2u) << "expected etcd and kube-apiserver, got: " << line;
    for (int i = 0; i < 100; ++i) {
        bool any = false;
        for (pid_t pid : pids) any = any || process_alive(pid);
        if (!any) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    for (pid_t pid : pids) EXPECT_FALSE(process_alive(pid)) << "pid " << pid << " outlived its crashed test";

    // The crashed run's scratch directory is removed by the next fixture.
    ASSERT_TRUE(std::filesystem::exists(crashed_dir));
    ScratchDir next("next");
    EXPECT_FALSE(std::filesystem::exists(crashed_dir));
}

}  // namespace
}  // namespace sb::testenv
