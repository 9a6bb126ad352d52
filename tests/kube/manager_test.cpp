// The manager, a controller wired with For + Owns, create-or-update and the
// event recorder, against the real kube-apiserver. Everything runs on one
// io_context in the test thread, as in a real process.
#include "kube/manager.hpp"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>

#include "kube/config.hpp"
#include "kube/events.hpp"
#include "tests/support/local_control_plane.hpp"
#include "kube/object_helpers.hpp"
#include "tests/support/scratch.hpp"

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace json = boost::json;
namespace kube = sb::kube;
using namespace std::chrono_literals;

namespace {

template <typename T>
T run(asio::io_context& io, asio::awaitable<T> task, std::chrono::seconds limit = 60s) {
    auto future = asio::co_spawn(io, std::move(task), asio::use_future);
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (future.wait_for(0s) != std::future_status::ready) {
        if (std::chrono::steady_clock::now() > deadline) throw std::runtime_error("test step timed out");
        io.restart();
        io.run_for(20ms);
    }
    return future.get();
}

asio::awaitable<void> pause(std::chrono::milliseconds d) {
    asio::steady_timer timer(co_await asio::this_coro::executor, d);
    co_await timer.async_wait(asio::use_awaitable);
}

asio::awaitable<std::pair<int, std::string>> http_get(unsigned short port, std::string target) {
    beast::tcp_stream stream(co_await asio::this_coro::executor);
    co_await stream.async_connect(asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), port),
                                  asio::use_awaitable);
    http::request<http::empty_body> req{http::verb::get, target, 11};
    req.set(http::field::host, "127.0.0.1");
    co_await http::async_write(stream, req, asio::use_awaitable);
    beast::flat_buffer buffer;
    http::response<http::string_body> res;
    co_await http::async_read(stream, buffer, res, asio::use_awaitable);
    co_return std::make_pair(static_cast<int>(res.result_int()), std::move(res.body()));
}

// Polls `check` (a coroutine returning bool) until true or timeout.
template <typename Check>
asio::awaitable<bool> eventually(Check check, std::chrono::milliseconds timeout = 20s) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        if (co_await check()) co_return true;
        co_await pause(100ms);
    }
    co_return co_await check();
}

const std::string kLabel = "sb-test-manager";

// Mirrors every labelled ConfigMap into a Secret it controls.
class MirrorReconciler {
public:
    MirrorReconciler(kube::Client& client, kube::Informer& configmaps, kube::EventRecorder& events)
        : client_(client), configmaps_(configmaps), events_(events) {}

    asio::awaitable<kube::Result> operator()(const kube::Request& request) {
        ++calls;
        auto cm = configmaps_.store().get(request.key());
        if (!cm) co_return kube::Result::done();
        json::object owner = *cm;
        owner["apiVersion"] = "v1";
        owner["kind"] = "ConfigMap";
        const auto result = co_await kube::create_or_update(
            client_, kube::resources::secrets, request.namespace_, request.name + "-mirror", [&](json::object& secret) {
                kube::set_controller_reference(owner, secret);
                secret["stringData"] = owner.contains("data") ? owner.at("data") : json::object{};
                secret.erase("data");
            });
        if (result != kube::OperationResult::unchanged)
            events_.event(owner, kube::EventType::normal, "Mirrored", "secret written");
        co_return kube::Result::done();
    }

    int calls = 0;

private:
    kube::Client& client_;
    kube::Informer& configmaps_;
    kube::EventRecorder& events_;
};

json::object labelled_configmap(const std::string& name, const std::string& value) {
    return {{"apiVersion", "v1"},
            {"kind", "ConfigMap"},
            {"metadata", {{"name", name}, {"namespace", "default"}, {"labels", {{kLabel, "yes"}}}}},
            {"data", {{"value", value}}}};
}

std::string secret_value(const json::object& secret) {
    const auto& data = secret.at("data").as_object();
    const auto* v = data.if_contains("value");
    return v ? std::string(v->as_string()) : std::string{};
}

}  // namespace

TEST(Manager, RunsAControllerWithOwnsAndServesHealthAndMetrics) {
    auto& cp = sb::testenv::LocalControlPlane::shared();
    asio::io_context io;
    auto config = kube::load_kubeconfig({cp.admin_kubeconfig()});
    kube::Client client(io.get_executor(), config);
    kube::Manager manager(client, {.health_address = "127.0.0.1", .health_port = 0, .handle_signals = false});
    kube::EventRecorder events(client, {.component = "manager-test"});

    auto& configmaps = manager.informer(kube::resources::configmaps, {.label_selector = kLabel + "=yes"});
    auto& secrets = manager.informer(kube::resources::secrets);
    MirrorReconciler reconciler(client, configmaps, events);
    manager.add_controller({.name = "mirror", .workers = 3}, std::ref(reconciler))
        .for_resource(configmaps)
        .owns(secrets, "", "ConfigMap");

    bool manager_done = false;
    std::exception_ptr manager_error;
    asio::co_spawn(io, manager.run(), [&](std::exception_ptr e) {
        manager_error = e;
        manager_done = true;
    });

    const std::string name = "mirror-" + sb::testenv::random_hex(3);
    run(io, [&]() -> asio::awaitable<void> {
        EXPECT_TRUE(co_await eventually([&]() -> asio::awaitable<bool> { co_return manager.caches_synced(); }));
        const auto port = manager.health_port();
        EXPECT_NE(port, 0);
        if (port == 0) co_return;
        EXPECT_EQ((co_await http_get(port, "/healthz")).first, 200);
        EXPECT_EQ((co_await http_get(port, "/readyz")).first, 200);
        EXPECT_EQ((co_await http_get(port, "/nope")).first, 404);

        // For: a new ConfigMap gets its Secret.
        co_await client.create(kube::resources::configmaps, labelled_configmap(name, "one"));
        json::object secret;
        EXPECT_TRUE(co_await eventually([&]() -> asio::awaitable<bool> {
            try {
                secret = co_await client.get(kube::resources::secrets, "default", name + "-mirror");
                co_return secret_value(secret) == "b25l";  // "one"
            } catch (const kube::ApiError&) {
            }
            co_return false;
        }));
        const auto* controller = kube::controller_of(secret);
        EXPECT_NE(controller, nullptr);
        if (controller) {
            EXPECT_EQ(controller->at("name").as_string(), name);
        }

        // Owns: tampering with the Secret wakes its owner, which repairs it.
        json::object tampered = secret;
        tampered["data"] = json::object{{"value", "dGFtcGVyZWQ="}};  // "tampered"
        co_await client.update(kube::resources::secrets, std::move(tampered));
        EXPECT_TRUE(co_await eventually([&]() -> asio::awaitable<bool> {
            auto s = co_await client.get(kube::resources::secrets, "default", name + "-mirror");
            co_return secret_value(s) == "b25l";  // "one"
        }));

        // Metrics of the controller, the queue and the client are served.
        auto [status, body] = co_await http_get(port, "/metrics");
        EXPECT_EQ(status, 200);
        EXPECT_NE(body.find("sb_controller_reconcile_total{controller=\"mirror\",result=\"success\"}"), std::string::npos);
        EXPECT_NE(body.find("sb_controller_reconcile_duration_seconds_count{controller=\"mirror\"}"), std::string::npos);
        EXPECT_NE(body.find("sb_workqueue_adds_total{name=\"mirror\"}"), std::string::npos);
        EXPECT_NE(body.find("sb_workqueue_depth{name=\"mirror\"}"), std::string::npos);

        // The recorder wrote an Event about the ConfigMap.
        co_await events.flush();
        kube::ListOptions by_object;  // named: g++ 12 mishandles braced temporaries inside co_await
        by_object.field_selector = "involvedObject.name=" + name;
        auto list = co_await client.list(kube::resources::events, "default", by_object);
        EXPECT_FALSE(list.items.empty());
        co_await client.remove(kube::resources::configmaps, "default", name);
    }(), 90s);

    manager.stop();
    run(io, [&]() -> asio::awaitable<void> {
        co_await eventually([&]() -> asio::awaitable<bool> { co_return manager_done; });
    }());
    EXPECT_TRUE(manager_done);
    EXPECT_FALSE(manager_error);
    EXPECT_GE(reconciler.calls, 2);
}

TEST(EventRecorder, FoldsRepeatsIntoOneEventAndRateLimitsPerObject) {
    auto& cp = sb::testenv::LocalControlPlane::shared();
    asio::io_context io;
    kube::Client client(io.get_executor(), kube::load_kubeconfig({cp.admin_kubeconfig()}));
    kube::EventRecorder events(client, {.component = "events-test", .burst_per_object = 3});
    const std::string name = "evented-" + sb::testenv::random_hex(3);
    auto cm = run(io, client.create(kube::resources::configmaps, labelled_configmap(name, "x")));
    cm["apiVersion"] = "v1";
    cm["kind"] = "ConfigMap";

    events.event(cm, kube::EventType::warning, "Broken", "it broke");
    run(io, events.flush());
    events.event(cm, kube::EventType::warning, "Broken", "it broke");
    run(io, events.flush());
    events.event(cm, kube::EventType::warning, "Broken", "it broke");
    events.event(cm, kube::EventType::warning, "Broken", "it broke");  // over the burst of 3
    run(io, events.flush());
    EXPECT_EQ(events.dropped(), 1u);

    auto list = run(io, client.list(kube::resources::events, "default",
                                    {.field_selector = "involvedObject.name=" + name}));
    ASSERT_EQ(list.items.size(), 1u) << "repeats are folded into one Event";
    const auto& ev = list.items.front();
    EXPECT_EQ(ev.at("count").as_int64(), 3);
    EXPECT_EQ(ev.at("type").as_string(), "Warning");
    EXPECT_EQ(ev.at("reason").as_string(), "Broken");
    EXPECT_EQ(ev.at("involvedObject").at("uid").as_string(), cm.at("metadata").at("uid").as_string());
    EXPECT_EQ(ev.at("source").at("component").as_string(), "events-test");
}

TEST(CreateOrUpdate, CreatesUpdatesAndLeavesAlone) {
    auto& cp = sb::testenv::LocalControlPlane::shared();
    asio::io_context io;
    kube::Client client(io.get_executor(), kube::load_kubeconfig({cp.admin_kubeconfig()}));
    const std::string name = "cou-" + sb::testenv::random_hex(3);
    std::string value = "1";
    auto mutate = [&](json::object& cm) { cm["data"] = json::object{{"v", value}}; };
    json::object out;
    EXPECT_EQ(run(io, kube::create_or_update(client, kube::resources::configmaps, "default", name, mutate, &out)),
              kube::OperationResult::created);
    EXPECT_EQ(out.at("data").at("v").as_string(), "1");
    EXPECT_EQ(run(io, kube::create_or_update(client, kube::resources::configmaps, "default", name, mutate)),
              kube::OperationResult::unchanged);
    value = "2";
    EXPECT_EQ(run(io, kube::create_or_update(client, kube::resources::configmaps, "default", name, mutate, &out)),
              kube::OperationResult::updated);
    EXPECT_EQ(out.at("data").at("v").as_string(), "2");
    auto rename = [](json::object& cm) { cm["metadata"].as_object()["name"] = "other"; };
    EXPECT_THROW(run(io, kube::create_or_update(client, kube::resources::configmaps, "default", name, rename)),
                 std::invalid_argument);
}

TEST(Manager, LeadsBeforeRunningControllersAndReleasesTheLeaseOnStop) {
    auto& cp = sb::testenv::LocalControlPlane::shared();
    asio::io_context io;
    kube::Client client(io.get_executor(), kube::load_kubeconfig({cp.admin_kubeconfig()}));
    const std::string lease = "manager-" + sb::testenv::random_hex(3);
    kube::Manager manager(client, {.health_port = -1,
                                   .leader_election = kube::LeaderElectionConfig{.lease_namespace = "default",
                                                                                 .lease_name = lease,
                                                                                 .identity = "manager-test",
                                                                                 .lease_duration = 4s,
                                                                                 .renew_deadline = 3s,
                                                                                 .retry_period = 1s},
                                   .handle_signals = false});
    auto& configmaps = manager.informer(kube::resources::configmaps, {.label_selector = kLabel + "=leader"});
    int reconciles = 0;
    manager.add_controller({.name = "leader-only"}, [&](const kube::Request&) -> asio::awaitable<kube::Result> {
        ++reconciles;
        co_return kube::Result::done();
    }).for_resource(configmaps);
    // A runnable (the operator's agent link) starts like a controller: synced and leading.
    bool runnable_started_ready = false, runnable_ended = false;
    manager.add_runnable([&](std::stop_token stop) -> asio::awaitable<void> {
        runnable_started_ready = manager.caches_synced() && manager.leading();
        while (!stop.stop_requested()) co_await pause(20ms);
        runnable_ended = true;
    });

    bool done = false;
    std::exception_ptr error;
    asio::co_spawn(io, manager.run(), [&](std::exception_ptr e) {
        error = e;
        done = true;
    });
    auto holder = [&]() -> asio::awaitable<std::string> {
        auto obj = co_await client.get(kube::resources::leases, "default", lease);
        const auto* h = obj.at("spec").as_object().if_contains("holderIdentity");
        co_return h && h->is_string() ? std::string(h->get_string()) : std::string{};
    };
    run(io, [&]() -> asio::awaitable<void> {
        EXPECT_TRUE(co_await eventually([&]() -> asio::awaitable<bool> { co_return manager.leading(); }));
        EXPECT_EQ(co_await holder(), "manager-test");
    }());
    manager.stop();
    run(io, [&]() -> asio::awaitable<void> {
        co_await eventually([&]() -> asio::awaitable<bool> { co_return done; });
    }());
    EXPECT_TRUE(done);
    EXPECT_FALSE(error);
    EXPECT_FALSE(manager.leading());
    EXPECT_TRUE(runnable_started_ready) << "the runnable started before the caches synced or the lease was held";
    EXPECT_TRUE(runnable_ended) << "the manager returned before its runnable stopped";
    EXPECT_EQ(run(io, holder()), "") << "the lease is released on shutdown";
}

// Housekeeping closes the connections a burst left in the pool once they have
// been idle for an interval (their TLS buffers are ~75 KiB each).
TEST(Manager, HousekeepingClosesIdleConnections) {
    auto& cp = sb::testenv::LocalControlPlane::shared();
    asio::io_context io;
    kube::Client client(io.get_executor(), kube::load_kubeconfig({cp.admin_kubeconfig()}));
    kube::Manager manager(client, {.health_port = -1, .handle_signals = false, .housekeeping_interval = 1s});
    bool done = false;
    asio::co_spawn(io, manager.run(), [&](std::exception_ptr) { done = true; });
    run(io, [&]() -> asio::awaitable<void> {
        EXPECT_TRUE(co_await eventually([&]() -> asio::awaitable<bool> { co_return manager.caches_synced(); }));
    }());
    std::vector<std::future<json::object>> burst;
    for (int i = 0; i < 4; ++i)
        burst.push_back(asio::co_spawn(io, client.get(kube::resources::namespaces, "", "default"), asio::use_future));
    run(io, [&]() -> asio::awaitable<void> {
        for (auto& r : burst)
            while (r.wait_for(0s) != std::future_status::ready) co_await pause(5ms);
    }());
    EXPECT_GE(client.idle_connections(), 2u);
    run(io, [&]() -> asio::awaitable<void> {
        EXPECT_TRUE(co_await eventually([&]() -> asio::awaitable<bool> { co_return client.idle_connections() == 0; }));
    }());
    manager.stop();
    run(io, [&]() -> asio::awaitable<void> {
        co_await eventually([&]() -> asio::awaitable<bool> { co_return done; });
    }());
    EXPECT_TRUE(done);
}
