// Many Projects at once: the operator killed at random moments converges to
// exactly one namespace and one secret copy per Project with no errors in
// status; and (SB_SCALE_TEST=1) the time and memory to converge 1,000.
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <cstdlib>
#include <iostream>
#include <algorithm>
#include <map>
#include <set>
#include <random>

#include "operator/common/crd_types.hpp"
#include "kube/errors.hpp"
#include "tests/operator/support/operator_fixture.hpp"
#include "tests/support/scratch.hpp"

namespace sb::optest {
namespace {

using namespace std::chrono_literals;
using sb::get_string;
namespace res = kube::resources;

class OperatorScaleTest : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        auto& cp = testenv::LocalControlPlane::shared();
        scratch_ = new testenv::ScratchDir("operator-scale");
        admin_ = new SyncKube(cp.admin_kubeconfig());
        install_crds_from_source(*admin_);
        create_registry_secret(*admin_);
        kubeconfig_ = operator_service_account_kubeconfig(*admin_, cp, scratch_->path());
    }
    static void TearDownTestSuite() {
        delete admin_;
        delete scratch_;
    }

    // Creates `count` projects named prefix-N, concurrently in batches.
    static void create_projects(const std::string& prefix, int count) {
        for (int i = 0; i < count; ++i)
            admin_->create(op::crds::projects, json::parse(project_json(prefix + "-" + std::to_string(i))).as_object());
    }

    // Counts projects of this prefix that are fully converged.
    static int converged(const std::string& prefix, int count, std::string* first_problem = nullptr) {
        std::map<std::string, json::object> projects;
        for (auto& p : admin_->list(op::crds::projects, ""))
            if (get_string(p, "metadata.name").starts_with(prefix + "-")) projects[get_string(p, "metadata.name")] = p;
        std::set<std::string> copies;
        for (auto& s : admin_->list(res::secrets, "", "app.kubernetes.io/managed-by=shapeblock"))
            if (get_string(s, "metadata.name") == "registry-credentials") copies.insert(get_string(s, "metadata.namespace"));
        int ok = 0;
        for (int i = 0; i < count; ++i) {
            auto name = prefix + "-" + std::to_string(i);
            auto it = projects.find(name);
            bool good = it != projects.end() && get_string(it->second, "status.phase") == "Active" &&
                        get_string(it->second, "status.message").empty() &&
                        get_string(it->second, "status.namespace") == name && copies.count(name);
            if (good) ++ok;
            else if (first_problem && first_problem->empty())
                *first_problem = it == projects.end() ? name + " missing" : json::serialize(it->second);
        }
        return ok;
    }

    static inline testenv::ScratchDir* scratch_ = nullptr;
    static inline SyncKube* admin_ = nullptr;
    static inline std::filesystem::path kubeconfig_;
};

TEST_F(OperatorScaleTest, RestartsAtRandomMomentsConvergeWithoutDuplicates) {
    const int count = 200;
    OperatorProcess op(kubeconfig_, *scratch_ / "restart.log", {"--api-qps", "200", "--api-burst", "400"});
    op.start();
    std::mt19937 rng(std::random_device{}());
    std::thread creator([&] { create_projects("r", count); });
    // Kill it hard (no clean shutdown) four times while it works, at random moments.
    for (int i = 0; i < 4; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(300 + rng() % 2500));
        op.kill_hard();
        std::this_thread::sleep_for(std::chrono::milliseconds(rng() % 500));
        op.start();
    }
    creator.join();
    // Every run (the first and the four restarts) started its controllers.
    EXPECT_TRUE(eventually([&] {
        auto log = op.log();
        std::size_t starts = 0;
        for (auto pos = log.find("operator starting"); pos != std::string::npos; pos = log.find("operator starting", pos + 1))
            ++starts;
        return starts == 5;
    }, 60s));
    std::string problem;
    bool done = eventually([&] {
        problem.clear();
        return converged("r", count, &problem) == count;
    }, 300s);
    ASSERT_TRUE(done) << problem << "\n" << op.log().substr(op.log().size() > 4000 ? op.log().size() - 4000 : 0);

    // Exactly one namespace per project, each owned by exactly its project, and no extra objects.
    auto namespaces = admin_->list(res::namespaces, "", "app.kubernetes.io/managed-by=shapeblock");
    int ours = 0;
    for (const auto& ns : namespaces) {
        auto name = get_string(ns, "metadata.name");
        if (!name.starts_with("r-")) continue;
        ++ours;
        EXPECT_EQ(ns.at("metadata").at("ownerReferences").as_array().size(), 1u) << name;
        EXPECT_EQ(op::label_value(ns, op::kProjectLabel), name);
    }
    EXPECT_EQ(ours, count);
    for (const auto& p : admin_->list(op::crds::projects, "")) {
        if (!get_string(p, "metadata.name").starts_with("r-")) continue;
        auto finalizers = p.at("metadata").at("finalizers").as_array();
        EXPECT_EQ(finalizers.size(), 1u) << get_string(p, "metadata.name");  // added once, never twice
        for (const auto& c : p.at("status").at("conditions").as_array())
            EXPECT_EQ(c.at("status"), "True") << json::serialize(p);
    }
    auto policies = admin_->list(op::builtin::networkpolicies, "", "app.kubernetes.io/managed-by=shapeblock");
    EXPECT_EQ(std::count_if(policies.begin(), policies.end(),
                            [](const auto& np) { return get_string(np, "metadata.namespace").starts_with("r-"); }),
              count);
    EXPECT_EQ(op.log().find("\"level\":\"error\""), std::string::npos);
    op.stop();
}

// Measurement for the README: SB_SCALE_TEST=1 ./operator_scale_test --gtest_filter='*Thousand*'
TEST_F(OperatorScaleTest, ConvergesAThousandProjects) {
    if (!std::getenv("SB_SCALE_TEST")) GTEST_SKIP() << "set SB_SCALE_TEST=1 to measure 1,000 projects";
    const int count = 1000;
    OperatorProcess op(kubeconfig_, *scratch_ / "scale.log", {"--api-qps", "500", "--api-burst", "1000"});
    op.start();
    std::this_thread::sleep_for(5s);
    long idle = op.rss_kib();
    auto start = std::chrono::steady_clock::now();
    create_projects("s", count);
    auto created = std::chrono::steady_clock::now();
    long peak = idle;
    bool done = eventually([&] {
        peak = std::max(peak, op.rss_kib());
        return converged("s", count) == count;
    }, 900s);
    auto end = std::chrono::steady_clock::now();
    ASSERT_TRUE(done);
    std::this_thread::sleep_for(5s);
    long after = op.rss_kib();
    auto secs = [](auto d) { return std::chrono::duration<double>(d).count(); };
    std::cout << "SCALE idle_rss_kib=" << idle << " peak_rss_kib=" << peak << " settled_rss_kib=" << after
              << " create_s=" << secs(created - start) << " converge_s=" << secs(end - start) << "\n";
    op.stop();
}

}  // namespace
}  // namespace sb::optest
