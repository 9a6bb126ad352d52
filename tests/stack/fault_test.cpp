// Faults during 50 concurrent builds of several apps: the server killed
// (SIGKILL) and restarted on its data, the operator killed and restarted,
// and the agent link cut by a proxy, at random moments (the seed is printed;
// SB_STACK_SEED replays it). The test plays the kubelet throughout, failing
// one build in five. Afterwards the server and the cluster agree exactly:
// every build the API acknowledged is one AppBuild, no more, both in the
// final phase the kubelet decided, each billed once.
#include <gtest/gtest.h>

#include <boost/json/serialize.hpp>

#include <atomic>
#include <cstdlib>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <thread>

#include "common/json_fields.hpp"
#include "operator/appbuild/job_builder.hpp"
#include "operator/common/crd_types.hpp"
#include "tests/operator/support/operator_harness.hpp"
#include "tests/stack/stack.hpp"

namespace sb::stacktest {
namespace {

namespace json = boost::json;
namespace crds = op::crds;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

constexpr int kApps = 5;
constexpr int kBuildsPerApp = 10;
constexpr const char* kNamespace = "load";
const std::string kDigest = "sha256:" + std::string(64, 'f');

bool final_phase(std::string_view phase) { return phase == "Completed" || phase == "Failed"; }

// The kubelet's decision for a build, from its name alone: one in five fails.
bool kubelet_fails(const std::string& build_name) { return std::hash<std::string>{}(build_name) % 5 == 0; }

// Every item of a paged API list.
std::vector<json::object> list_all(const ApiClient& api, const std::string& path) {
    std::vector<json::object> out;
    std::string url = path + (path.find('?') == std::string::npos ? "?" : "&") + "limit=100";
    for (;;) {
        auto page = expect_json(api.get(url), 200, "list " + path);
        for (const auto& item : page.at("items").as_array()) out.push_back(item.as_object());
        if (page.at("nextCursor").is_null()) return out;
        url = path + (path.find('?') == std::string::npos ? "?" : "&") + "limit=100&after=" +
              std::string(page.at("nextCursor").as_string());
    }
}

// Plays the kubelet for every build pod of the namespace: after a random
// pause the clone finishes and the build runs, after another the pod ends.
class Kubelet {
public:
    explicit Kubelet(unsigned seed) : rng_(seed) {}

    // One pass over the build pods; returns how many it finished.
    int pass() {
        int finished = 0;
        for (auto& pod : kube_.list(kube::resources::pods, kNamespace, std::string(op::appbuild::kBuildLabel))) {
            const auto name = get_string(pod, "metadata.name");
            const auto build = op::label_value(pod, op::appbuild::kBuildLabel);
            const auto phase = get_string(pod, "status.phase");
            if (phase == "Succeeded" || phase == "Failed") continue;
            auto [plan, fresh] = plans_.try_emplace(name);
            if (fresh) {
                std::uniform_int_distribution<int> pause_ms(200, 2500);
                plan->second.run_at = Clock::now() + std::chrono::milliseconds(pause_ms(rng_));
                plan->second.finish_at = plan->second.run_at + std::chrono::milliseconds(pause_ms(rng_));
            }
            const auto clone =
                op::testing::clone_message(std::string(40, 'a'), "dockerfile", op::testing::requested_image(pod));
            const auto now = Clock::now();
            try {
                if (phase != "Running" && now >= plan->second.run_at) {
                    op::testing::finish_pod(kube_, pod, "Running", {{"clone", 0, clone}}, {});
                } else if (phase == "Running" && now >= plan->second.finish_at) {
                    if (kubelet_fails(std::string(build)))
                        op::testing::finish_pod(kube_, pod, "Failed", {{"clone", 0, clone}}, {{"build", 1, "make: *** [all] Error 2"}});
                    else
                        op::testing::finish_pod(kube_, pod, "Succeeded", {{"clone", 0, clone}}, {{"build", 0, kDigest}});
                    ++finished;
                }
            } catch (const std::exception&) {
                // A conflict with the Job controller's write: the next pass tries again.
            }
        }
        return finished;
    }

private:
    struct Plan {
        Clock::time_point run_at, finish_at;
    };
    op::testing::SyncClient kube_;
    std::mt19937 rng_;
    std::map<std::string, Plan> plans_;
};

unsigned seed_of_run() {
    if (const char* s = std::getenv("SB_STACK_SEED")) return static_cast<unsigned>(std::strtoul(s, nullptr, 10));
    return std::random_device{}();
}

TEST(StackFaults, FiftyBuildsAgreeAfterKillsAndCutLinks) {
    const unsigned seed = seed_of_run();
    std::printf("[seed] SB_STACK_SEED=%u\n", seed);
    std::fflush(stdout);
    // Every finished AppBuild stays, so both sides can be compared build by build.
    Stack stack({.operator_flags = {"--build-history-limit", std::to_string(kBuildsPerApp + 1)}});
    const auto& api = stack.api();
    const std::string team_path = "/api/v1/teams/" + stack.team();
    op::testing::SyncClient kube;

    auto project = expect_json(api.post(team_path + "/projects", json::object{{"name", kNamespace}, {"clusterId", stack.cluster_id()}}),
                               201, "project");
    const std::string project_path = team_path + "/projects/" + std::string(project.at("id").as_string());
    std::vector<std::string> app_paths;
    for (int a = 0; a < kApps; ++a) {
        auto app = expect_json(api.post(project_path + "/apps",
                                        json::object{{"name", "app" + std::to_string(a)},
                                                     {"git", {{"url", "https://git.example.test/load/app" + std::to_string(a) + ".git"}}},
                                                     {"registry", {{"url", "registry.example.test"}}}}),
                               201, "app");
        app_paths.push_back(project_path + "/apps/" + std::string(app.at("id").as_string()));
    }
    ASSERT_TRUE(wait_until([&] { return kube.list(crds::apps, kNamespace).size() == kApps; }, 60s)) << stack.logs();

    // The builds: each app's builds one after the other with random pauses,
    // the apps side by side. A create the server did not answer is sent again
    // with the same Idempotency-Key until it is answered.
    std::mutex mutex;
    std::set<std::string> acknowledged;
    std::atomic<int> creators_left{kApps}, create_retries{0};
    std::vector<std::thread> creators;
    for (int a = 0; a < kApps; ++a)
        creators.emplace_back([&, a] {
            std::mt19937 rng(seed + 1 + static_cast<unsigned>(a));
            std::uniform_int_distribution<int> pause_ms(500, 4000);
            for (int b = 0; b < kBuildsPerApp; ++b) {
                std::this_thread::sleep_for(std::chrono::milliseconds(pause_ms(rng)));
                const std::string key = "build-" + std::to_string(seed) + "-" + std::to_string(a) + "-" + std::to_string(b);
                const auto deadline = Clock::now() + 120s;
                while (Clock::now() < deadline) {
                    try {
                        auto r = api.post(app_paths[a] + "/builds", json::object{{"imageTag", "t" + std::to_string(b)}},
                                          {{"Idempotency-Key", key}});
                        if (r.status == 201) {
                            std::lock_guard lock(mutex);
                            acknowledged.insert(std::string(r.json().at("id").as_string()));
                            break;
                        }
                    } catch (const std::exception&) {
                    }
                    ++create_retries;
                    std::this_thread::sleep_for(200ms);
                }
            }
            --creators_left;
        });

    // The kubelet, until told to stop.
    std::atomic<bool> stop_kubelet{false};
    std::atomic<int> pods_finished{0};
    std::thread kubelet_thread([&] {
        Kubelet kubelet(seed);
        while (!stop_kubelet) {
            try {
                pods_finished += kubelet.pass();
            } catch (const std::exception&) {
            }
            std::this_thread::sleep_for(200ms);
        }
    });

    // The faults, while the builds are created and run: each kind three times, in a random order, at random moments.
    std::mt19937 rng(seed);
    std::vector<char> faults = {'s', 's', 's', 'o', 'o', 'o', 'l', 'l', 'l'};
    std::shuffle(faults.begin(), faults.end(), rng);
    std::uniform_int_distribution<int> gap_ms(1000, 5000), down_ms(0, 1500);
    const auto t0 = Clock::now();
    auto at = [&] { return std::chrono::duration<double>(Clock::now() - t0).count(); };
    for (char fault : faults) {
        std::this_thread::sleep_for(std::chrono::milliseconds(gap_ms(rng)));
        if (fault == 's') {
            std::printf("[fault %6.1fs] kill -9 the server\n", at());
            stack.kill_server();
            std::this_thread::sleep_for(std::chrono::milliseconds(down_ms(rng)));
            stack.start_server();
        } else if (fault == 'o') {
            std::printf("[fault %6.1fs] kill -9 the operator\n", at());
            stack.kill_operator();
            std::this_thread::sleep_for(std::chrono::milliseconds(down_ms(rng)));
            stack.start_operator();
        } else {
            // Cut when there is a link to cut (the server or the operator may still be coming back).
            wait_until([&] { return stack.link_proxy().open_connections() > 0; }, 60s);
            std::printf("[fault %6.1fs] the proxy cuts the agent link\n", at());
            stack.link_proxy().set_refusing(true);
            stack.link_proxy().drop_all();
            std::this_thread::sleep_for(std::chrono::milliseconds(down_ms(rng)));
            stack.link_proxy().set_refusing(false);
        }
        std::fflush(stdout);
    }
    std::printf("[faults done %6.1fs] %d builds still being created, %d pods finished\n", at(), creators_left.load(),
                pods_finished.load());
    for (auto& t : creators) t.join();
    ASSERT_EQ(acknowledged.size(), static_cast<std::size_t>(kApps * kBuildsPerApp)) << stack.logs();

    // Converged: every build final in the API and in the cluster, the same set on both sides.
    std::map<std::string, json::object> api_builds;
    std::map<std::string, json::object> cluster_builds;
    auto read_both = [&] {
        api_builds.clear();
        cluster_builds.clear();
        for (const auto& path : app_paths)
            for (auto& b : list_all(api, path + "/builds")) api_builds[std::string(b.at("id").as_string())] = std::move(b);
        for (auto& b : kube.list(crds::appbuilds, kNamespace)) cluster_builds[get_string(b, "metadata.name")] = std::move(b);
    };
    auto converged = [&] {
        try {
            read_both();
        } catch (const std::exception&) {
            return false;
        }
        if (api_builds.size() != acknowledged.size() || cluster_builds.size() != api_builds.size()) return false;
        for (const auto& [id, b] : api_builds) {
            auto c = cluster_builds.find("build-" + id);
            if (c == cluster_builds.end()) return false;
            if (!final_phase(get_string(b, "status.phase")) || !final_phase(get_string(c->second, "status.phase"))) return false;
        }
        return true;
    };
    const bool agreed = wait_until(converged, 180s);
    // Nothing killed them after the faults: a process that ended, ended by itself.
    EXPECT_EQ(stack.server_ended(), "");
    EXPECT_EQ(stack.operator_ended(), "");
    std::printf("[converged %6.1fs] %s; %d create retries\n", at(), agreed ? "yes" : "NO", create_retries.load());
    stop_kubelet = true;
    kubelet_thread.join();
    if (!agreed) {
        int api_final = 0, cluster_final = 0;
        for (const auto& [id, b] : api_builds) api_final += final_phase(get_string(b, "status.phase"));
        for (const auto& [name, b] : cluster_builds) cluster_final += final_phase(get_string(b, "status.phase"));
        ADD_FAILURE() << "no agreement: " << acknowledged.size() << " acknowledged, " << api_builds.size() << " in the API ("
                      << api_final << " final), " << cluster_builds.size() << " AppBuilds (" << cluster_final << " final)\n"
                      << stack.logs();
    }

    // The same builds on both sides, one AppBuild per API build, each in the phase the kubelet decided.
    std::set<std::string> api_ids, cluster_ids;
    for (const auto& [id, b] : api_builds) api_ids.insert(id);
    for (const auto& [name, b] : cluster_builds) {
        const auto id = op::label_value(b, "shapeblock.io/id");
        EXPECT_EQ(name, "build-" + std::string(id));
        EXPECT_TRUE(cluster_ids.insert(std::string(id)).second) << "two AppBuilds for build " << id;
    }
    EXPECT_EQ(api_ids, acknowledged);
    EXPECT_EQ(cluster_ids, acknowledged);
    // Both sides in the same final phase: the kubelet's decision, unless a newer build of the app superseded it.
    int completed = 0, failed = 0, superseded = 0;
    for (const auto& [id, b] : api_builds) {
        const auto phase = get_string(b, "status.phase");
        completed += phase == "Completed";
        failed += phase == "Failed";
        auto c = cluster_builds.find("build-" + id);
        if (c == cluster_builds.end()) continue;
        EXPECT_EQ(phase, get_string(c->second, "status.phase")) << "build " << id << " in the API: " << json::serialize(b);
        if (get_string(c->second, "status.message").starts_with("superseded by the newer build")) {
            ++superseded;
            continue;
        }
        EXPECT_EQ(phase, kubelet_fails("build-" + id) ? "Failed" : "Completed") << "build " << id << ": " << json::serialize(b);
    }
    std::printf("[result] %d Completed, %d Failed (%d of them superseded by a newer build)\n", completed, failed, superseded);

    // Each finished build billed exactly once.
    std::map<std::string, int> billed;
    for (const auto& r : list_all(api, team_path + "/usage?kind=build_minutes")) ++billed[std::string(r.at("subjectId").as_string())];
    EXPECT_EQ(billed.size(), acknowledged.size());
    for (const auto& [id, times] : billed) {
        EXPECT_EQ(times, 1) << "build " << id << " billed " << times << " times";
        EXPECT_TRUE(acknowledged.contains(id)) << "usage for an unknown build " << id;
    }
    std::printf("[result] %zu builds, the proxy cut %zu connections\n", acknowledged.size(), stack.link_proxy().dropped());
}

}  // namespace
}  // namespace sb::stacktest
