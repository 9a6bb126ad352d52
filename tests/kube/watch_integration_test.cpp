// Watches, the reflector and the informer cache against a real
// kube-apiserver, including apiserver restarts and expired versions.
#include <gtest/gtest.h>

#include <boost/asio/detached.hpp>
#include <map>
#include <random>
#include <stop_token>

#include "common/metrics.hpp"
#include "kube/informer.hpp"
#include "tests/kube/kube_test_util.hpp"

namespace sb::kube {
namespace {

namespace asio = boost::asio;
namespace json = boost::json;
using namespace std::chrono_literals;
using testenv::LocalControlPlane;
using testing::configmap;
using testing::run;

class WatchTest : public ::testing::Test {
protected:
    LocalControlPlane& cp = LocalControlPlane::shared();
    asio::io_context io;
    Client client{io.get_executor(), testing::admin_config(cp)};
    std::stop_source stop;

    ~WatchTest() override {
        stop.request_stop();
        // Let stopped coroutines finish before io and client go away.
        for (int i = 0; i < 20; ++i) io.run_for(10ms);
    }

    // Runs io until pred() holds (checked between handlers) or the time is up.
    bool eventually(const std::function<bool()>& pred, std::chrono::seconds limit = 30s) {
        auto deadline = std::chrono::steady_clock::now() + limit;
        while (!pred()) {
            if (std::chrono::steady_clock::now() > deadline) return false;
            io.restart();
            io.run_for(20ms);
        }
        return true;
    }

    std::map<std::string, std::string> fresh_list(const std::string& ns, const std::string& selector = "") {
        auto list = run(io, client.list_all(resources::configmaps, ns, {.label_selector = selector}));
        std::map<std::string, std::string> out;
        for (const auto& item : list.items) out[object_key(item)] = std::string(object_resource_version(item));
        return out;
    }

    static std::map<std::string, std::string> cached(const Store& store) {
        std::map<std::string, std::string> out;
        for (const auto& obj : store.list()) out[object_key(*obj)] = std::string(object_resource_version(*obj));
        return out;
    }
};

TEST_F(WatchTest, RawWatchDeliversEventsInOrderAndStopsOnRequest) {
    run(io, testing::ensure_namespace(client, "watch-raw"));
    auto start = run(io, client.list(resources::configmaps, "watch-raw"));
    std::vector<std::pair<WatchEventType, std::string>> events;
    bool finished = false;
    asio::co_spawn(io,
                   [&]() -> Task<void> {
                       WatchOptions from_list{.resource_version = start.resource_version};
                       co_await client.watch(resources::configmaps, "watch-raw", from_list,
                                             [&](WatchEvent&& e) {
                                                 events.emplace_back(e.type, std::string(object_name(e.object)));
                                             },
                                             stop.get_token());
                       finished = true;
                   },
                   asio::detached);
    run(io, [&]() -> Task<void> {
        co_await client.create(resources::configmaps, configmap("watch-raw", "a"));
        co_await client.create(resources::configmaps, configmap("watch-raw", "b"));
        co_await client.merge_patch(resources::configmaps, "watch-raw", "a", json::parse(R"({"data":{"k":"2"}})"));
        co_await client.remove(resources::configmaps, "watch-raw", "b");
    }());
    ASSERT_TRUE(eventually([&] { return events.size() >= 4; })) << events.size();
    std::vector<std::pair<WatchEventType, std::string>> expected{{WatchEventType::added, "a"},
                                                                 {WatchEventType::added, "b"},
                                                                 {WatchEventType::modified, "a"},
                                                                 {WatchEventType::deleted, "b"}};
    EXPECT_EQ(events, expected);
    stop.request_stop();
    EXPECT_TRUE(eventually([&] { return finished; }, 5s)) << "a stop request ends the watch at once";
    run(io, client.remove(resources::configmaps, "watch-raw", "a"));
}

TEST_F(WatchTest, InformerStoreIndexesHandlersAndTransform) {
    run(io, testing::ensure_namespace(client, "informer"));
    Informer slim(client, resources::configmaps, {.namespace_ = "informer"});
    Informer whole(client, resources::configmaps, {.namespace_ = "informer", .transform = {}});
    slim.add_index("tier", label_index("tier"));
    int adds = 0, updates = 0, deletes = 0;
    slim.add_handlers({.on_add = [&](const Object&) { ++adds; },
                       .on_update = [&](const Object&, const Object&) { ++updates; },
                       .on_delete = [&](const Object&) { ++deletes; }});
    asio::co_spawn(io, slim.run(stop.get_token()), asio::detached);
    asio::co_spawn(io, whole.run(stop.get_token()), asio::detached);
    ASSERT_TRUE(run(io, slim.wait_for_sync()));
    ASSERT_TRUE(run(io, whole.wait_for_sync()));
    const int initial = static_cast<int>(slim.store().size());

    run(io, [&]() -> Task<void> {
        for (int i = 0; i < 6; ++i) {
            auto cm = configmap("informer", "i-" + std::to_string(i));
            cm["metadata"].as_object()["labels"] = json::object{{"tier", i < 4 ? "web" : "db"}};
            ApplyOptions test_manager{.field_manager = "test"};
            co_await client.apply(resources::configmaps, cm, test_manager);
        }
        co_await client.merge_patch(resources::configmaps, "informer", "i-0", json::parse(R"({"metadata":{"labels":{"tier":"db"}}})"));
        co_await client.remove(resources::configmaps, "informer", "i-5");
    }());
    ASSERT_TRUE(eventually([&] { return deletes == 1 && updates >= 1 && slim.store().size() == std::size_t(initial + 5); }));
    EXPECT_EQ(adds, initial + 6);
    EXPECT_EQ(slim.store().by_index("tier", "web").size(), 3u);
    EXPECT_EQ(slim.store().by_index("tier", "db").size(), 2u);  // i-0 moved, i-5 deleted

    auto obj = slim.store().get("informer", "i-1");
    ASSERT_TRUE(obj);
    EXPECT_FALSE(obj->at("metadata").as_object().contains("managedFields")) << "stripped by default";
    ASSERT_TRUE(eventually([&] { return whole.store().get("informer", "i-1") != nullptr; }));
    EXPECT_TRUE(whole.store().get("informer", "i-1")->at("metadata").as_object().contains("managedFields"));

    // A handler added late hears about everything already cached.
    int late_adds = 0;
    slim.add_handlers({.on_add = [&](const Object&) { ++late_adds; }});
    EXPECT_EQ(late_adds, initial + 5);
}

// The initial list comes in pages of two; each object is transformed once,
// as its page arrives (the transform here is not idempotent on purpose).
TEST_F(WatchTest, ListedObjectsAreTransformedOncePageByPage) {
    run(io, testing::ensure_namespace(client, "paged-list"));
    run(io, [&]() -> Task<void> {
        for (int i = 0; i < 5; ++i) co_await client.create(resources::configmaps, configmap("paged-list", "p-" + std::to_string(i)));
    }());
    int transforms = 0;
    InformerOptions options{.namespace_ = "paged-list", .page_size = 2, .encoding = StoreEncoding::compact_json};
    options.transform = [&](json::object& obj) {
        ++transforms;
        auto& data = obj["data"].as_object();
        data["transformed"] = data.contains("transformed") ? "twice" : "once";
    };
    Informer informer(client, resources::configmaps, options);
    asio::co_spawn(io, informer.run(stop.get_token()), asio::detached);
    ASSERT_TRUE(run(io, informer.wait_for_sync()));
    EXPECT_EQ(informer.store().size(), 5u);
    EXPECT_EQ(transforms, 5);
    for (const auto& obj : informer.store().list()) EXPECT_EQ(obj->at("data").at("transformed"), "once");
}

TEST_F(WatchTest, CacheEqualsFreshListAfterStormOfChanges) {
    run(io, testing::ensure_namespace(client, "storm"));
    Informer informer(client, resources::configmaps, {.namespace_ = "storm"});
    Informer compact(client, resources::configmaps, {.namespace_ = "storm", .encoding = StoreEncoding::compact_json});
    std::map<std::string, std::string> seen;  // what the handlers say exists
    informer.add_handlers({.on_add = [&](const Object& o) { seen[object_key(*o)] = object_resource_version(*o); },
                           .on_update = [&](const Object&, const Object& o) { seen[object_key(*o)] = object_resource_version(*o); },
                           .on_delete = [&](const Object& o) { seen.erase(object_key(*o)); }});
    asio::co_spawn(io, informer.run(stop.get_token()), asio::detached);
    asio::co_spawn(io, compact.run(stop.get_token()), asio::detached);
    ASSERT_TRUE(run(io, informer.wait_for_sync()));
    ASSERT_TRUE(run(io, compact.wait_for_sync()));

    // Four writers at once: creates, updates and deletes over 60 names.
    auto writer = [&](int seed) -> Task<void> {
        std::mt19937 rng(seed);
        for (int op = 0; op < 120; ++op) {
            auto name = "s-" + std::to_string(rng() % 60);
            try {
                switch (rng() % 3) {
                    case 0: co_await client.create(resources::configmaps, configmap("storm", name)); break;
                    case 1:
                        co_await client.merge_patch(resources::configmaps, "storm", name,
                                                    json::parse(R"({"data":{"n":")" + std::to_string(op) + R"("}})"));
                        break;
                    case 2: co_await client.remove(resources::configmaps, "storm", name); break;
                }
            } catch (const ApiError& e) {
                if (!is_not_found(e) && !is_already_exists(e)) throw;
            }
        }
    };
    run(io, [&]() -> Task<void> {
        auto ex = co_await asio::this_coro::executor;
        std::vector<std::future<void>> done;
        for (int w = 0; w < 4; ++w) done.push_back(asio::co_spawn(ex, writer(w + 1), asio::use_future));
        for (auto& f : done)
            while (f.wait_for(0s) != std::future_status::ready) co_await testing::sleep_for(10ms);
        for (auto& f : done) f.get();
    }(), 300s);

    auto truth = fresh_list("storm");
    EXPECT_TRUE(eventually([&] { return cached(informer.store()) == truth; }))
        << "cache " << informer.store().size() << " objects, server " << truth.size();
    EXPECT_TRUE(eventually([&] { return cached(compact.store()) == truth; }))
        << "compact cache " << compact.store().size() << " objects, server " << truth.size();
    EXPECT_EQ(seen, truth);
}

// The apiserver goes away and comes back; meanwhile the informer's version
// was compacted away, so it must re-list, and it must not miss anything.
TEST_F(WatchTest, ResumesAfterApiserverRestartAndRelistsWhenVersionIsGone) {
    run(io, testing::ensure_namespace(client, "restart"));
    Informer informer(client, resources::configmaps, {.namespace_ = "restart", .label_selector = "watched=yes"});
    asio::co_spawn(io, informer.run(stop.get_token()), asio::detached);
    ASSERT_TRUE(run(io, informer.wait_for_sync()));
    auto watched = [](const std::string& name) {
        auto cm = configmap("restart", name);
        cm["metadata"].as_object()["labels"] = json::object{{"watched", "yes"}};
        return cm;
    };
    run(io, [&]() -> Task<void> {
        for (int i = 0; i < 3; ++i) co_await client.create(resources::configmaps, watched("before-" + std::to_string(i)));
    }());
    ASSERT_TRUE(eventually([&] { return informer.store().size() >= 3; }));
    const auto old_version = informer.reflector().last_resource_version();
    const auto lists_before = informer.reflector().list_count();

    // Unwatched writes move etcd on; compaction forgets the informer's version.
    run(io, [&]() -> Task<void> {
        ApplyOptions noise_manager{.field_manager = "noise"};
        for (int i = 0; i < 20; ++i)
            co_await client.apply(resources::configmaps, configmap("restart", "noise-" + std::to_string(i), json::parse(R"({"i":")" + std::to_string(i) + R"("})").as_object()),
                                  noise_manager);
    }());
    cp.compact_etcd();
    cp.stop_apiserver();
    io.restart();
    io.run_for(1s);  // the informer notices the broken watch and starts backing off
    cp.start_apiserver();

    run(io, [&]() -> Task<void> {
        for (int i = 0; i < 2; ++i) co_await client.create(resources::configmaps, watched("after-" + std::to_string(i)));
        co_await client.remove(resources::configmaps, "restart", "before-0");
    }());
    auto truth = fresh_list("restart", "watched=yes");
    EXPECT_TRUE(eventually([&] { return cached(informer.store()) == truth; }, 60s))
        << "cache " << informer.store().size() << " objects, server " << truth.size();
    EXPECT_GE(informer.reflector().watch_restart_count(), 1u);
    EXPECT_GT(informer.reflector().list_count(), lists_before) << "an expired version leads to a re-list";

    // The same expired version on a raw watch is a typed Gone error.
    try {
        run(io, client.watch(resources::configmaps, "restart", {.resource_version = old_version}, [](WatchEvent&&) {},
                             stop.get_token()));
        ADD_FAILURE() << "watching from a compacted version must fail";
    } catch (const ApiError& e) {
        EXPECT_TRUE(is_gone(e)) << e.what();
    }
    auto rendered = metrics::Registry::global().render();
    EXPECT_NE(rendered.find("sb_kube_watch_restarts_total{resource=\"configmaps\""), std::string::npos);
}

}  // namespace
}  // namespace sb::kube
