// sb-agent-load: N simulated clusters against a running shapeblock-server,
// speaking the agent protocol through the shared codec (src/agent), with one
// subscriber on the event WebSocket. Measures, in this order:
//   1. connect: every cluster through hello, welcome, snapshot and the acks
//      of its desired state; then the server's RSS at rest with N connected;
//   2. latency: one AppBuild status report at a time (round robin over the
//      clusters) until its build.updated event reaches the subscriber;
//   3. throughput: status reports written by all clusters at once, either
//      closed-loop (a window of reports in flight per cluster: the next one
//      is written when the event of an earlier one arrived) or at a fixed
//      rate; the figure is the events delivered per second, every report
//      counted only once its event reached the subscriber.
// See bench/agent/README.md.
#include <CLI/CLI.hpp>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>
#include <iostream>
#include <memory>
#include <random>
#include <unordered_map>

#include "bench/agent/bench_fleet.hpp"
#include "bench/agent/event_listener.hpp"
#include "bench/agent/measure.hpp"
#include "bench/agent/process_sample.hpp"
#include "bench/agent/simulated_cluster.hpp"

namespace {
namespace asio = boost::asio;
using sb::bench::Clock;
using sb::bench::distribution;
using sb::bench::memory_of;
using sb::bench::ms_between;
using sb::bench::sleep_for;
using namespace std::chrono_literals;
const std::string kUnsampled = "not sampled (no --server-pid)";
using sb::bench::EventListener;
using sb::bench::SimulatedCluster;

struct Options {
    std::string server = "http://127.0.0.1:8080";
    std::string api_token;
    std::string team;
    std::string tokens_file;
    int clusters = 100;
    int server_pid = 0;
    double idle_seconds = 5;
    int latency_samples = 1000;
    double throughput_seconds = 10;
    int window = 4;
    double rate = 0;
};

double mib(std::int64_t kib) { return static_cast<double>(kib) / 1024.0; }

// Polls `done` every millisecond; false when the timeout passed first.
asio::awaitable<bool> wait_until(const std::function<bool()>& done, Clock::duration timeout) {
    const auto deadline = Clock::now() + timeout;
    while (!done()) {
        if (Clock::now() >= deadline) co_return false;
        co_await sleep_for(1ms);
    }
    co_return true;
}

class Bench {
public:
    Bench(const Options& options, sb::bench::ServerAddress server, std::vector<sb::bench::FleetMember> fleet)
        : options_(options), server_(std::move(server)), fleet_(std::move(fleet)) {}

    asio::awaitable<void> run() {
        auto executor = co_await asio::this_coro::executor;
        listener_ = std::make_unique<EventListener>(executor, server_, options_.team, options_.api_token);
        std::vector<std::string> topics;
        for (const auto& m : fleet_) topics.push_back("build:" + m.build_id);
        asio::co_spawn(executor, listener_->run(topics), asio::detached);
        bool subscribed = co_await wait_until(
            [&] { return listener_->subscribed() == fleet_.size() || listener_->ended(); }, 30s);
        if (!subscribed || listener_->subscribed() != fleet_.size())
            throw std::runtime_error("the event WebSocket did not subscribe to every build: " + listener_->failure());

        co_await connect_all(executor);
        co_await sleep_for(std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(options_.idle_seconds)));
        std::cout << "server at rest with " << fleet_.size() << " clusters connected: "
                  << memory_of(options_.server_pid, kUnsampled) << std::endl;

        if (options_.latency_samples > 0) co_await measure_latency();
        if (options_.throughput_seconds > 0) co_await measure_throughput();

        for (auto& c : clusters_) c->stop();
        co_await wait_until([&] { return std::all_of(clusters_.begin(), clusters_.end(), [](auto& c) { return c->ended(); }); }, 5s);
        listener_->stop();
        co_await wait_until([&] { return listener_->ended(); }, 5s);
        auto self = sb::bench::sample_process(static_cast<int>(getpid()));
        std::printf("load tool: %.1f CPU seconds in all, VmHWM %.1f MiB\n", self.cpu_seconds, mib(self.hwm_kib));
    }

private:
    asio::awaitable<void> connect_all(asio::any_io_executor executor) {
        const auto started = Clock::now();
        for (const auto& m : fleet_) {
            clusters_.push_back(std::make_unique<SimulatedCluster>(executor, server_, m));
            asio::co_spawn(executor, clusters_.back()->run(), asio::detached);
        }
        // Each cluster is sent its Project, App and AppBuild after the snapshot.
        auto settled = [&] {
            return std::all_of(clusters_.begin(), clusters_.end(),
                               [](auto& c) { return c->ended() || (c->live() && c->requests_acked() >= 3); });
        };
        co_await wait_until(settled, 60s);
        std::size_t live = 0;
        for (auto& c : clusters_) {
            if (c->live()) ++live;
            else std::cerr << "cluster " << c->member().cluster_id << " not connected: " << c->failure() << "\n";
        }
        std::printf("connected: %zu/%zu clusters (hello, welcome, snapshot, desired state acked) in %.2f s\n", live,
                    clusters_.size(), ms_between(started, Clock::now()) / 1000.0);
        if (live != clusters_.size()) throw std::runtime_error("not every simulated cluster connected");
    }

    // One report at a time, so nothing queues: the time of the path itself.
    asio::awaitable<void> measure_latency() {
        asio::steady_timer arrival(co_await asio::this_coro::executor);
        std::string expected;
        std::optional<Clock::time_point> arrived;
        listener_->on_build_update = [&](std::string_view marker, Clock::time_point at) {
            if (marker != expected) return;
            arrived = at;
            arrival.cancel();
        };
        std::vector<double> samples;
        int lost = 0;
        for (int k = 0; k < options_.latency_samples; ++k) {
            auto& cluster = *clusters_[static_cast<std::size_t>(k) % clusters_.size()];
            expected = "L" + std::to_string(k);
            arrived.reset();
            const auto sent = Clock::now();
            cluster.send_status(expected);
            arrival.expires_after(5s);
            if (!arrived) co_await arrival.async_wait(asio::as_tuple(asio::use_awaitable));
            if (arrived) samples.push_back(ms_between(sent, *arrived));
            else ++lost;
        }
        listener_->on_build_update = nullptr;
        std::cout << "latency, status report written -> build.updated event read, one at a time: "
                  << distribution(samples) << ", " << lost << " lost" << std::endl;
    }

    asio::awaitable<void> measure_throughput() {
        const auto n = clusters_.size();
        std::unordered_map<std::string, Clock::time_point> in_flight;
        std::vector<std::int64_t> next(n, 0);
        std::vector<double> latencies;
        std::int64_t sent = 0, delivered_in_window = 0;
        std::size_t most_in_flight = 0;
        bool sending = true;
        const bool closed_loop = options_.rate <= 0;
        auto send_one = [&](std::size_t c) {
            auto marker = "T" + std::to_string(c) + "." + std::to_string(next[c]++);
            in_flight.emplace(marker, Clock::now());
            clusters_[c]->send_status(marker);
            ++sent;
            most_in_flight = std::max(most_in_flight, in_flight.size());
        };
        const auto duration = std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(options_.throughput_seconds));
        const auto started = Clock::now();
        const auto window_end = started + duration;
        listener_->on_build_update = [&](std::string_view marker, Clock::time_point at) {
            auto it = in_flight.find(std::string(marker));
            if (it == in_flight.end()) return;
            latencies.push_back(ms_between(it->second, at));
            in_flight.erase(it);
            if (at < window_end) ++delivered_in_window;
            if (closed_loop && sending) send_one(std::stoul(std::string(marker.substr(1, marker.find('.') - 1))));
        };
        auto before = sb::bench::sample_process(options_.server_pid);
        if (closed_loop) {
            for (std::size_t c = 0; c < n; ++c)
                for (int w = 0; w < options_.window; ++w) send_one(c);
            co_await sleep_for(duration);
        } else {
            std::size_t turn = 0;
            while (Clock::now() < window_end) {
                auto due = static_cast<std::int64_t>(options_.rate * std::chrono::duration<double>(Clock::now() - started).count());
                while (sent < due) send_one(turn++ % n);
                co_await sleep_for(1ms);
            }
        }
        sending = false;
        auto after = sb::bench::sample_process(options_.server_pid);
        const double seconds = std::chrono::duration<double>(Clock::now() - started).count();
        co_await wait_until([&] { return in_flight.empty() || listener_->ended(); }, 10s);
        listener_->on_build_update = nullptr;
        if (closed_loop)
            std::printf("throughput, closed loop (%d reports in flight per cluster, %zu clusters, %.0f s):\n",
                        options_.window, n, options_.throughput_seconds);
        else
            std::printf("throughput, open loop at %.0f reports/s (%zu clusters, %.0f s):\n", options_.rate, n,
                        options_.throughput_seconds);
        std::printf("  written %.0f reports/s, delivered %.0f events/s; %zu never delivered; at most %zu in flight\n",
                    static_cast<double>(sent) / seconds, static_cast<double>(delivered_in_window) / seconds,
                    in_flight.size(), most_in_flight);
        std::cout << "  latency under this load: " << distribution(latencies) << "\n";
        if (options_.server_pid > 0)
            std::printf("  server: %.2f CPU seconds per second, %s\n",
                        (after.cpu_seconds - before.cpu_seconds) / seconds, memory_of(options_.server_pid, kUnsampled).c_str());
        if (listener_->ended()) std::cout << "  the subscriber was cut off: " << listener_->failure() << "\n";
        std::cout.flush();
    }

    const Options& options_;
    sb::bench::ServerAddress server_;
    std::vector<sb::bench::FleetMember> fleet_;
    std::unique_ptr<EventListener> listener_;
    std::vector<std::unique_ptr<SimulatedCluster>> clusters_;
};

std::string random_tag() {
    std::random_device random;
    char tag[8];
    std::snprintf(tag, sizeof tag, "%06x", random() & 0xffffff);
    return tag;
}

}  // namespace

int main(int argc, char** argv) {
    Options options;
    CLI::App app{"Simulated clusters against a running shapeblock-server: connect, latency, throughput, RSS"};
    app.add_option("--server", options.server, "The server's URL (http://, loopback)")->capture_default_str();
    app.add_option("--api-token", options.api_token, "An admin's API token (better: SB_BENCH_API_TOKEN)")
        ->envname("SB_BENCH_API_TOKEN")
        ->required();
    app.add_option("--team", options.team, "The team the clusters and projects are made in")->required();
    app.add_option("--clusters", options.clusters, "Simulated clusters")->capture_default_str()->check(CLI::Range(1, 10000));
    app.add_option("--tokens", options.tokens_file,
                   "Registered clusters, '<cluster id> <agent token>' per line (else they are registered through "
                   "the API, which the licence must allow)");
    app.add_option("--server-pid", options.server_pid, "The server's process id, to read its VmRSS and CPU time");
    app.add_option("--idle-seconds", options.idle_seconds, "Rest after connecting, before the RSS is read")->capture_default_str();
    app.add_option("--latency-samples", options.latency_samples, "Status changes timed one at a time")->capture_default_str();
    app.add_option("--throughput-seconds", options.throughput_seconds, "Length of the throughput run (0: none)")->capture_default_str();
    app.add_option("--window", options.window, "Closed loop: reports in flight per cluster")->capture_default_str()->check(CLI::Range(1, 1000));
    app.add_option("--rate", options.rate, "Open loop: reports per second from all clusters (0: closed loop)")->capture_default_str();
    CLI11_PARSE(app, argc, argv);

    try {
        auto server = sb::bench::parse_server_url(options.server);
        sb::bench::RestClient api(server, options.api_token);
        const auto prepared = Clock::now();
        auto fleet = sb::bench::prepare_fleet(api, options.team, options.clusters, options.tokens_file, random_tag());
        std::printf("prepared %zu clusters, each with a project, an app and a build, in %.1f s\n", fleet.size(),
                    ms_between(prepared, Clock::now()) / 1000.0);
        std::cout << "server before connecting: " << memory_of(options.server_pid, kUnsampled) << std::endl;

        asio::io_context io;
        Bench bench(options, server, std::move(fleet));
        int status = 0;
        asio::co_spawn(io, bench.run(), [&](std::exception_ptr error) {
            if (error) {
                try {
                    std::rethrow_exception(error);
                } catch (const std::exception& e) {
                    std::cerr << "sb-agent-load: " << e.what() << "\n";
                }
                status = 1;
            }
            io.stop();
        });
        io.run();
        return status;
    } catch (const std::exception& e) {
        std::cerr << "sb-agent-load: " << e.what() << "\n";
        return 1;
    }
}
