// sb-agent-e2e: the agent link end to end with a real operator. On a
// cluster whose operator is connected to the server, it makes a project with
// N apps and one build through the API, waits until the operator has them in
// the cluster, reads the operator's RSS, then
//   1. latency: changes the AppBuild's status through the Kubernetes API
//      server (a merge patch of the status subresource, as a build's progress
//      would) one change at a time and times each until its build.updated
//      event reaches a subscriber on the server's event WebSocket;
//   2. reconnect soak (--soak-seconds): ends the operator's connection every
//      --replace-every seconds (agent_replacement.hpp: the server closes it
//      with 4000) while the AppBuild's status keeps changing, and samples the
//      operator's VmRSS every 5 s; counts the operator's reconnects (the
//      cluster's "connected" events) and the status changes that reached the
//      subscriber.
// See bench/agent/README.md.
#include <CLI/CLI.hpp>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <random>

#include "bench/agent/agent_replacement.hpp"
#include "bench/agent/event_listener.hpp"
#include "bench/agent/measure.hpp"
#include "bench/agent/process_sample.hpp"
#include "bench/agent/rest_client.hpp"
#include "kube/client.hpp"
#include "kube/config.hpp"

namespace {
namespace asio = boost::asio;
namespace json = boost::json;
using sb::bench::Clock;
using sb::bench::distribution;
using sb::bench::memory_of;
using sb::bench::ms_between;
using sb::bench::sleep_for;
using namespace std::chrono_literals;
const std::string kUnsampled = "not sampled (no process id given)";

const sb::kube::ResourceRef kAppBuilds{"apps.shapeblock.io", "v1alpha1", "appbuilds", true, "AppBuild"};
const sb::kube::ResourceRef kApps{"apps.shapeblock.io", "v1alpha1", "apps", true, "App"};

struct Options {
    std::string server = "http://127.0.0.1:8080";
    std::string api_token, team, cluster, kubeconfig;
    int apps = 100;
    int samples = 1000;
    int operator_pid = 0;
    int server_pid = 0;
    double settle_seconds = 10;
    double soak_seconds = 0;
    double replace_every = 2;
    std::string agent_token;
};

// How many of `kind` the namespace holds (0 while it does not exist yet).
asio::awaitable<std::size_t> count_in(sb::kube::Client& kube, const sb::kube::ResourceRef& kind, std::string ns) {
    try {
        sb::kube::ListOptions options;
        auto list = co_await kube.list(kind, ns, options);
        co_return list.items.size();
    } catch (const sb::kube::ApiError&) {
        co_return 0;
    }
}

// The operator's connection ended again and again while its AppBuild's status
// keeps changing (every 200 ms): its RSS must not grow.
asio::awaitable<void> soak(const Options& options, sb::kube::Client& kube, const sb::bench::ServerAddress& server,
                           sb::bench::EventListener& listener, const std::string& ns, const std::string& build_name) {
    if (options.agent_token.empty()) throw std::runtime_error("--soak-seconds needs the agent token (SB_BENCH_AGENT_TOKEN)");
    // Every connection's "connected" event, the replacements' own included.
    std::int64_t connects = 0, delivered = 0, changes = 0, replaced = 0;
    listener.on_cluster_state = [&](std::string_view state) { connects += state == "connected"; };
    listener.on_build_update = [&](std::string_view marker, Clock::time_point) { delivered += marker.starts_with("S"); };
    std::vector<std::int64_t> rss;
    const auto started = Clock::now();
    auto next_replacement = started + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(options.replace_every));
    auto next_sample = started;
    while (Clock::now() - started < std::chrono::duration<double>(options.soak_seconds)) {
        if (Clock::now() >= next_sample) {
            rss.push_back(sb::bench::sample_process(options.operator_pid).rss_kib);
            next_sample += 5s;
        }
        if (Clock::now() >= next_replacement) {
            // Blocks this thread for one connection's handshake: a few milliseconds.
            replaced += sb::bench::replace_agent_connection(server, options.agent_token, options.cluster);
            next_replacement += std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(options.replace_every));
        }
        json::value patch = {{"status", {{"phase", "Failed"}, {"message", "S" + std::to_string(changes++)}}}};
        co_await kube.merge_patch(kAppBuilds, ns, build_name, patch, "status");
        co_await sleep_for(200ms);
    }
    co_await sleep_for(5s);  // the last changes, and the last reconnect
    rss.push_back(sb::bench::sample_process(options.operator_pid).rss_kib);
    listener.on_cluster_state = nullptr;
    listener.on_build_update = nullptr;
    std::printf("reconnect soak, %.0f s: the connection replaced %lld times (every %.0f s), the operator reconnected %lld "
                "times (its own connected events); %lld of %lld status changes reached the subscriber (coalesced or lost while disconnected: "
                "the server keeps the latest)\n",
                options.soak_seconds, static_cast<long long>(replaced), options.replace_every,
                static_cast<long long>(connects - replaced), static_cast<long long>(delivered), static_cast<long long>(changes));
    if (options.operator_pid > 0) {
        std::printf("  operator VmRSS: start %.1f MiB, end %.1f MiB, max %.1f MiB; samples every 5 s (KiB):",
                    rss.front() / 1024.0, rss.back() / 1024.0, *std::max_element(rss.begin(), rss.end()) / 1024.0);
        for (auto kib : rss) std::printf(" %lld", static_cast<long long>(kib));
        std::printf("\n");
    }
}

asio::awaitable<void> run(const Options& options, sb::kube::Client& kube) {
    auto executor = co_await asio::this_coro::executor;
    auto server = sb::bench::parse_server_url(options.server);
    sb::bench::RestClient api(server, options.api_token);
    std::random_device random;
    char tag[8];
    std::snprintf(tag, sizeof tag, "%06x", random() & 0xffffff);
    const std::string ns = std::string("kl-") + tag;
    const std::string base = "/api/v1/teams/" + options.team;
    auto project = api.call("POST", base + "/projects", json::object{{"name", ns}, {"clusterId", options.cluster}});
    const std::string project_path = base + "/projects/" + std::string(project.at("id").as_string());
    std::string first_app;
    for (int i = 0; i < options.apps; ++i) {
        auto app = api.call("POST", project_path + "/apps",
                            json::object{{"name", "app-" + std::to_string(i)},
                                         {"git", {{"url", "https://example.test/app-" + std::to_string(i) + ".git"}}}});
        if (i == 0) first_app = std::string(app.at("id").as_string());
    }
    auto build = api.call("POST", project_path + "/apps/" + first_app + "/builds", json::object{});
    const std::string build_id(build.at("id").as_string());
    const std::string build_name = "build-" + build_id;
    std::printf("made project %s with %d apps and build %s through the API\n", ns.c_str(), options.apps, build_id.c_str());

    // The operator applies what the server sends: wait until all of it is in the cluster.
    const auto made = Clock::now();
    for (;;) {
        auto apps = co_await count_in(kube, kApps, ns);
        auto builds = co_await count_in(kube, kAppBuilds, ns);
        if (apps == static_cast<std::size_t>(options.apps) && builds == 1) break;
        if (Clock::now() - made > 120s) throw std::runtime_error("the operator did not apply the apps within 120 s");
        co_await sleep_for(200ms);
    }
    std::printf("the cluster holds the %d apps and the build %.1f s after the last API call\n", options.apps,
                ms_between(made, Clock::now()) / 1000.0);
    // A finished build: its reconciler leaves it alone, and every later
    // status change is still reported and published with what was reported.
    json::value finished = {{"status", {{"phase", "Failed"}, {"message", "bench: finished"}}}};
    co_await kube.merge_patch(kAppBuilds, ns, build_name, finished, "status");
    // Every API write re-sends the cluster's whole desired state, so the
    // operator may still be applying for a while: wait until it is idle
    // (under 2% of a core over 2 s), then the settle time.
    if (options.operator_pid > 0) {
        const auto waiting = Clock::now();
        for (auto before = sb::bench::sample_process(options.operator_pid).cpu_seconds;;) {
            co_await sleep_for(2s);
            auto after = sb::bench::sample_process(options.operator_pid).cpu_seconds;
            if (after - before < 0.04 || Clock::now() - waiting > 600s) break;
            before = after;
        }
        std::printf("the operator was idle %.1f s after the apps were in the cluster\n",
                    ms_between(waiting, Clock::now()) / 1000.0);
    }
    co_await sleep_for(std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(options.settle_seconds)));
    std::cout << "operator with " << options.apps << " apps, at rest: " << memory_of(options.operator_pid, kUnsampled) << std::endl;
    if (options.server_pid > 0)
        std::cout << "server with this cluster connected, at rest: " << memory_of(options.server_pid, kUnsampled) << std::endl;

    sb::bench::EventListener listener(executor, server, options.team, options.api_token);
    asio::co_spawn(executor, listener.run({"build:" + build_id, "cluster:" + options.cluster}), asio::detached);
    for (int i = 0; i < 5000 && listener.subscribed() < 2 && !listener.ended(); ++i) co_await sleep_for(1ms);
    if (listener.subscribed() < 2) throw std::runtime_error("no subscription: " + listener.failure());

    asio::steady_timer arrival(executor);
    std::string expected;
    std::optional<Clock::time_point> arrived;
    listener.on_build_update = [&](std::string_view marker, Clock::time_point at) {
        if (marker != expected) return;
        arrived = at;
        arrival.cancel();
    };
    std::vector<double> end_to_end, patch_round_trip, after_answer;
    int lost = 0;
    for (int k = 0; k < options.samples; ++k) {
        expected = "K" + std::to_string(k);
        arrived.reset();
        json::value patch = {{"status", {{"phase", "Failed"}, {"message", expected}}}};
        const auto sent = Clock::now();
        co_await kube.merge_patch(kAppBuilds, ns, build_name, patch, "status");
        patch_round_trip.push_back(ms_between(sent, Clock::now()));
        arrival.expires_after(5s);
        if (!arrived) co_await arrival.async_wait(asio::as_tuple(asio::use_awaitable));
        if (arrived) {
            end_to_end.push_back(ms_between(sent, *arrived));
            after_answer.push_back(end_to_end.back() - patch_round_trip.back());
        }
        else ++lost;
    }
    listener.on_build_update = nullptr;
    std::cout << "latency, AppBuild status patch sent to the kube-apiserver -> build.updated event read: "
              << distribution(end_to_end) << ", " << lost << " lost\n"
              << "  the patch request itself (sent -> answered): " << distribution(patch_round_trip) << "\n"
              << "  patch answered -> event read (the watch may fire before the answer: a lower bound): "
              << distribution(after_answer) << "\n"
              << "operator after the run: " << memory_of(options.operator_pid, kUnsampled) << std::endl;
    if (options.soak_seconds > 0) co_await soak(options, kube, server, listener, ns, build_name);
    listener.stop();
    for (int i = 0; i < 5000 && !listener.ended(); ++i) co_await sleep_for(1ms);
}

}  // namespace

int main(int argc, char** argv) {
    Options options;
    CLI::App app{"AppBuild status change in a real cluster -> event on the server's WebSocket, with a real operator"};
    app.add_option("--server", options.server, "The server's URL (http://, loopback)")->capture_default_str();
    app.add_option("--api-token", options.api_token, "An admin's API token (better: SB_BENCH_API_TOKEN)")
        ->envname("SB_BENCH_API_TOKEN")
        ->required();
    app.add_option("--team", options.team, "The team of the cluster")->required();
    app.add_option("--cluster", options.cluster, "The cluster whose operator is connected")->required();
    app.add_option("--kubeconfig", options.kubeconfig, "That cluster's kubeconfig")->required();
    app.add_option("--apps", options.apps, "Apps in the bench's project")->capture_default_str()->check(CLI::Range(1, 5000));
    app.add_option("--samples", options.samples, "Status changes timed one at a time")->capture_default_str();
    app.add_option("--operator-pid", options.operator_pid, "The operator's process id, to read its VmRSS");
    app.add_option("--server-pid", options.server_pid, "The server's process id, to read its VmRSS");
    app.add_option("--settle-seconds", options.settle_seconds, "Rest before the operator's RSS is read")->capture_default_str();
    app.add_option("--soak-seconds", options.soak_seconds, "Reconnect soak after the latency run (0: none)")->capture_default_str();
    app.add_option("--replace-every", options.replace_every, "Soak: seconds between ends of the operator's connection")->capture_default_str();
    app.add_option("--agent-token", options.agent_token, "Soak: the cluster's agent token (better: SB_BENCH_AGENT_TOKEN)")
        ->envname("SB_BENCH_AGENT_TOKEN");
    CLI11_PARSE(app, argc, argv);
    try {
        asio::io_context io;
        sb::kube::Client kube(io.get_executor(), sb::kube::load_kubeconfig({options.kubeconfig}));
        int status = 0;
        asio::co_spawn(io, run(options, kube), [&](std::exception_ptr error) {
            if (error) {
                try {
                    std::rethrow_exception(error);
                } catch (const std::exception& e) {
                    std::cerr << "sb-agent-e2e: " << e.what() << "\n";
                }
                status = 1;
            }
            io.stop();
        });
        io.run();
        return status;
    } catch (const std::exception& e) {
        std::cerr << "sb-agent-e2e: " << e.what() << "\n";
        return 1;
    }
}
