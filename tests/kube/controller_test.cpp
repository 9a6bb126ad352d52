// Controller semantics without an API server: keys are fed straight into the
// queue; time-based behaviour uses a ManualClock, never sleeps.
#include "kube/controller.hpp"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json.hpp>
#include <map>
#include <set>

#include "common/metrics.hpp"

namespace asio = boost::asio;
namespace json = boost::json;
using namespace std::chrono_literals;
using sb::kube::Controller;
using sb::kube::Request;
using sb::kube::Result;

namespace {

struct Fixture {
    asio::io_context io;
    std::shared_ptr<sb::kube::ManualClock> clock = std::make_shared<sb::kube::ManualClock>();
    std::stop_source stop;
    bool finished = false;

    sb::kube::ControllerOptions options(std::string name, int workers = 1) {
        return {.name = std::move(name),
                .workers = workers,
                .rate_limiter = std::make_shared<sb::kube::ExponentialBackoffRateLimiter>(10ms, 1s),
                .clock = clock};
    }
    void start(Controller& c) {
        asio::co_spawn(
            io,
            [&]() -> asio::awaitable<void> {
                co_await c.run(stop.get_token());
                finished = true;
            },
            asio::detached);
    }
};

double counter(const std::string& controller, const std::string& result) {
    return sb::metrics::Registry::global()
        .counter("sb_controller_reconcile_total", "", {"controller", "result"})
        .with({controller, result})
        .value();
}

}  // namespace

TEST(Request, RoundTripsThroughKeys) {
    EXPECT_EQ(Request::from_key("ns/name"), (Request{"ns", "name"}));
    EXPECT_EQ(Request::from_key("cluster-scoped"), (Request{"", "cluster-scoped"}));
    EXPECT_EQ((Request{"ns", "name"}).key(), "ns/name");
}

TEST(Controller, ReconcilesEnqueuedKeysAndStopsCleanly) {
    Fixture f;
    std::vector<Request> seen;
    Controller c(f.io.get_executor(), f.options("basic"), [&](const Request& r) -> asio::awaitable<Result> {
        seen.push_back(r);
        co_return Result::done();
    });
    f.start(c);
    c.enqueue({"a", "one"});
    c.enqueue({"a", "one"});
    c.enqueue({"b", "two"});
    f.io.poll();
    EXPECT_EQ(seen, (std::vector<Request>{{"a", "one"}, {"b", "two"}}));
    EXPECT_EQ(counter("basic", "success"), 2);
    EXPECT_FALSE(f.finished);
    f.stop.request_stop();
    f.io.poll();
    EXPECT_TRUE(f.finished);
}

TEST(Controller, ErrorsAreRetriedWithBackoffAndSuccessResetsIt) {
    Fixture f;
    int calls = 0;
    Controller c(f.io.get_executor(), f.options("retry"), [&](const Request&) -> asio::awaitable<Result> {
        if (++calls < 3) throw std::runtime_error("apiserver said no");
        co_return Result::done();
    });
    f.start(c);
    c.enqueue({"ns", "x"});
    f.io.poll();
    EXPECT_EQ(calls, 1);
    EXPECT_EQ(c.queue().num_requeues("ns/x"), 1);
    f.clock->advance(9ms);
    f.io.poll();
    c.queue().len();  // releases due keys
    f.io.poll();
    EXPECT_EQ(calls, 1) << "first retry after 10 ms";
    f.clock->advance(1ms);
    c.queue().len();
    f.io.poll();
    EXPECT_EQ(calls, 2);
    f.clock->advance(19ms);
    c.queue().len();
    f.io.poll();
    EXPECT_EQ(calls, 2) << "second retry after 20 ms";
    f.clock->advance(1ms);
    c.queue().len();
    f.io.poll();
    EXPECT_EQ(calls, 3);
    EXPECT_EQ(c.queue().num_requeues("ns/x"), 0) << "success forgets the back-off";
    EXPECT_EQ(counter("retry", "error"), 2);
    EXPECT_EQ(counter("retry", "success"), 1);
    f.stop.request_stop();
    f.io.poll();
    EXPECT_TRUE(f.finished);
}

TEST(Controller, TerminalErrorsAreNotRetried) {
    Fixture f;
    int calls = 0;
    Controller c(f.io.get_executor(), f.options("terminal"), [&](const Request&) -> asio::awaitable<Result> {
        ++calls;
        throw sb::kube::TerminalError("spec is invalid");
        co_return Result::done();
    });
    f.start(c);
    c.enqueue({"ns", "x"});
    f.io.poll();
    f.clock->advance(1h);
    EXPECT_EQ(c.queue().len(), 0u);
    EXPECT_EQ(c.queue().delayed_len(), 0u);
    EXPECT_EQ(calls, 1);
    f.stop.request_stop();
    f.io.poll();
}

TEST(Controller, RequeueAfterWaitsExactlyThatLong) {
    Fixture f;
    int calls = 0;
    Controller c(f.io.get_executor(), f.options("after"), [&](const Request&) -> asio::awaitable<Result> {
        ++calls;
        co_return calls == 1 ? Result::after(30s) : Result::done();
    });
    f.start(c);
    c.enqueue({"ns", "x"});
    f.io.poll();
    f.clock->advance(29s);
    c.queue().len();
    f.io.poll();
    EXPECT_EQ(calls, 1);
    f.clock->advance(1s);
    c.queue().len();
    f.io.poll();
    EXPECT_EQ(calls, 2);
    EXPECT_EQ(counter("after", "requeue_after"), 1);
    f.stop.request_stop();
    f.io.poll();
}

TEST(Controller, RequeueUsesTheRateLimiter) {
    Fixture f;
    int calls = 0;
    Controller c(f.io.get_executor(), f.options("requeue"), [&](const Request&) -> asio::awaitable<Result> {
        ++calls;
        co_return Result{.requeue = calls == 1};
    });
    f.start(c);
    c.enqueue({"ns", "x"});
    f.io.poll();
    EXPECT_EQ(c.queue().delayed_len(), 1u);
    f.clock->advance(10ms);
    c.queue().len();
    f.io.poll();
    EXPECT_EQ(calls, 2);
    f.stop.request_stop();
    f.io.poll();
}

TEST(Controller, WorkersRunConcurrentlyButNeverOnTheSameKey) {
    Fixture f;
    int active = 0, most_active = 0;
    std::set<std::string> in_flight;
    int overlaps = 0, calls = 0;
    Controller* self = nullptr;
    Controller c(f.io.get_executor(), f.options("parallel", 4), [&](const Request& r) -> asio::awaitable<Result> {
        ++calls;
        if (!in_flight.insert(r.key()).second) ++overlaps;
        most_active = std::max(most_active, ++active);
        // While "waiting for the API", the same key changes again.
        if (calls < 20) self->enqueue(r);
        for (int i = 0; i < 5; ++i) co_await asio::post(co_await asio::this_coro::executor, asio::use_awaitable);
        in_flight.erase(r.key());
        --active;
        co_return Result::done();
    });
    self = &c;
    f.start(c);
    for (int i = 0; i < 6; ++i) c.enqueue({"ns", "k" + std::to_string(i % 3)});
    f.io.poll();
    EXPECT_EQ(overlaps, 0);
    EXPECT_EQ(most_active, 3) << "three distinct keys, four workers";
    EXPECT_GE(calls, 20);
    f.stop.request_stop();
    f.io.poll();
    EXPECT_TRUE(f.finished);
}

TEST(Controller, StopLetsKeysInHandFinish) {
    Fixture f;
    bool released = false, completed = false;
    Controller c(f.io.get_executor(), f.options("drain"), [&](const Request&) -> asio::awaitable<Result> {
        while (!released) co_await asio::post(co_await asio::this_coro::executor, asio::use_awaitable);
        completed = true;
        co_return Result::done();
    });
    f.start(c);
    c.enqueue({"ns", "slow"});
    f.io.poll_one();
    f.io.poll_one();
    f.stop.request_stop();
    for (int i = 0; i < 10; ++i) f.io.poll_one();
    EXPECT_FALSE(f.finished) << "the reconcile in progress is awaited";
    released = true;
    f.io.poll();
    EXPECT_TRUE(completed);
    EXPECT_TRUE(f.finished);
}

TEST(Controller, RejectsBadOptions) {
    asio::io_context io;
    auto ok = [](const Request&) -> asio::awaitable<Result> { co_return Result::done(); };
    EXPECT_THROW(Controller(io.get_executor(), {.name = ""}, ok), std::invalid_argument);
    EXPECT_THROW(Controller(io.get_executor(), {.name = "x", .workers = 0}, ok), std::invalid_argument);
    EXPECT_THROW(Controller(io.get_executor(), {.name = "x"}, nullptr), std::invalid_argument);
}

TEST(RequestsForControllerOwner, EnqueuesOnlyTheControllerOfTheRightKind) {
    auto owned = json::parse(R"({"metadata": {"namespace": "ns", "name": "dep", "ownerReferences": [
        {"apiVersion": "v1", "kind": "ConfigMap", "name": "other", "uid": "1"},
        {"apiVersion": "samplecontroller.k8s.io/v1alpha1", "kind": "Foo", "name": "foo", "uid": "2", "controller": true}]}})")
                     .as_object();
    EXPECT_EQ(sb::kube::requests_for_controller_owner(owned, "samplecontroller.k8s.io", "Foo"),
              (std::vector<Request>{{"ns", "foo"}}));
    EXPECT_TRUE(sb::kube::requests_for_controller_owner(owned, "apps", "Foo").empty()) << "wrong group";
    EXPECT_TRUE(sb::kube::requests_for_controller_owner(owned, "", "ConfigMap").empty()) << "not the controller";
    EXPECT_TRUE(sb::kube::requests_for_controller_owner(json::object{}, "", "ConfigMap").empty());
}
