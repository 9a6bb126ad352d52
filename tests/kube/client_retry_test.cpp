// The client against a scripted HTTPS server, for what a real apiserver will
// not do on demand: throttling with Retry-After, connections reset before an
// answer, and pod log streams (there is no kubelet in the test control plane).
#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/json.hpp>
#include <stop_token>

#include "kube/client.hpp"
#include "tests/kube/fake_https_server.hpp"

namespace sb::kube {
namespace {

namespace json = boost::json;
using testing::FakeHttpsServer;
using testing::FakeReply;
using testing::FakeRequest;
using Clock = std::chrono::steady_clock;

const std::string kConfigMap = R"({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"cm","namespace":"ns"}})";

std::string status_body(int code, const std::string& reason) {
    return R"({"kind":"Status","apiVersion":"v1","status":"Failure","reason":")" + reason + R"(","code":)" +
           std::to_string(code) + "}";
}

template <typename T>
T run(boost::asio::io_context& io, Task<T> task) {
    auto future = boost::asio::co_spawn(io, std::move(task), boost::asio::use_future);
    io.restart();
    io.run();
    return future.get();
}

class ClientRetryTest : public ::testing::Test {
protected:
    // Replies are handed out in order; the last one repeats.
    void serve(std::vector<FakeReply> replies) {
        server = std::make_unique<FakeHttpsServer>([this, replies](const FakeRequest&) {
            std::lock_guard lock(mutex);
            return replies[std::min(next++, replies.size() - 1)];
        });
        ClusterConfig config;
        config.server = server->url();
        config.ca_pem = server->ca_pem();
        config.bearer_token = "token";
        client = std::make_unique<Client>(io.get_executor(), config);
    }

    boost::asio::io_context io;
    std::mutex mutex;
    std::size_t next = 0;
    std::unique_ptr<FakeHttpsServer> server;
    std::unique_ptr<Client> client;
};

TEST_F(ClientRetryTest, TooManyRequestsWaitsForRetryAfterThenSucceeds) {
    serve({FakeReply::status(429, status_body(429, "TooManyRequests"), "Retry-After: 1\r\n"),
           FakeReply::status(200, kConfigMap)});
    auto started = Clock::now();
    auto cm = run(io, client->get(resources::configmaps, "ns", "cm"));
    EXPECT_EQ(object_name(cm), "cm");
    EXPECT_EQ(server->requests().size(), 2u);
    EXPECT_GE(Clock::now() - started, std::chrono::milliseconds(1000)) << "Retry-After: 1 is honoured";
}

// A 429 was not processed: even a create goes again.
TEST_F(ClientRetryTest, ThrottledCreateIsRetried) {
    serve({FakeReply::status(429, status_body(429, "TooManyRequests"), "Retry-After: 0\r\n"),
           FakeReply::status(429, status_body(429, "TooManyRequests"), "Retry-After: 0\r\n"),
           FakeReply::status(201, kConfigMap)});
    auto cm = run(io, client->create(resources::configmaps, json::parse(kConfigMap).as_object()));
    EXPECT_EQ(object_name(cm), "cm");
    auto requests = server->requests();
    ASSERT_EQ(requests.size(), 3u);
    EXPECT_EQ(requests[2].method, "POST");
    EXPECT_EQ(json::parse(requests[2].body).at("metadata").at("name"), "cm");
}

TEST_F(ClientRetryTest, ThrottlingGivesUpAfterTheRetryLimitWithTooManyRequests) {
    serve({FakeReply::status(429, status_body(429, "TooManyRequests"), "Retry-After: 0\r\n")});
    try {
        run(io, client->get(resources::configmaps, "ns", "cm"));
        FAIL() << "expected an ApiError";
    } catch (const ApiError& e) {
        EXPECT_EQ(e.code(), 429);
    }
    EXPECT_EQ(server->requests().size(), 11u) << "the first attempt and 10 retries";
}

TEST_F(ClientRetryTest, ResetConnectionIsRetriedForAGet) {
    serve({FakeReply::reset_connection(), FakeReply::status(200, kConfigMap)});
    auto cm = run(io, client->get(resources::configmaps, "ns", "cm"));
    EXPECT_EQ(object_name(cm), "cm");
    EXPECT_EQ(server->requests().size(), 2u);
}

// The create may have been applied before the connection broke: no replay.
TEST_F(ClientRetryTest, ResetConnectionIsNotRetriedForACreate) {
    serve({FakeReply::reset_connection(), FakeReply::status(201, kConfigMap)});
    EXPECT_THROW(run(io, client->create(resources::configmaps, json::parse(kConfigMap).as_object())), TransportError);
    EXPECT_EQ(server->requests().size(), 1u);
}

TEST_F(ClientRetryTest, ServerErrorWithoutRetryAfterIsReportedAtOnce) {
    serve({FakeReply::status(500, status_body(500, "InternalError")), FakeReply::status(200, kConfigMap)});
    try {
        run(io, client->get(resources::configmaps, "ns", "cm"));
        FAIL() << "expected an ApiError";
    } catch (const ApiError& e) {
        EXPECT_EQ(e.code(), 500);
    }
    EXPECT_EQ(server->requests().size(), 1u);
}

TEST_F(ClientRetryTest, FollowPodLogsDeliversTheStreamAsItComes) {
    serve({FakeReply::chunked({"one\n", "two\npar", "tial\n", "three"}, std::chrono::milliseconds(20))});
    LogOptions options;
    options.container = "app";
    options.tail_lines = 5;
    std::string received;
    int deliveries = 0;
    run(io, client->follow_pod_logs("ns", "pod", options, [&](std::string_view data) {
        received.append(data);
        ++deliveries;
    }));
    EXPECT_EQ(received, "one\ntwo\npartial\nthree");
    EXPECT_GE(deliveries, 2) << "chunks are handed over as they arrive, not at the end";
    auto requests = server->requests();
    ASSERT_EQ(requests.size(), 1u);
    EXPECT_EQ(requests[0].method, "GET");
    EXPECT_EQ(requests[0].target, "/api/v1/namespaces/ns/pods/pod/log?container=app&follow=true&tailLines=5");
    EXPECT_NE(requests[0].headers.find("Bearer token"), std::string::npos);
}

TEST_F(ClientRetryTest, FollowPodLogsStopsWhenAsked) {
    serve({FakeReply::chunked({"first line\n"}, {}, /*finish=*/false)});
    std::stop_source stop;
    std::string received;
    run(io, client->follow_pod_logs("ns", "pod", LogOptions(), [&](std::string_view data) {
        received.append(data);
        stop.request_stop();
    }, stop.get_token()));
    EXPECT_EQ(received, "first line\n");
}

TEST_F(ClientRetryTest, FollowPodLogsReportsApiErrors) {
    serve({FakeReply::status(404, status_body(404, "NotFound"))});
    try {
        run(io, client->follow_pod_logs("ns", "gone", LogOptions(), [](std::string_view) {}));
        FAIL() << "expected an ApiError";
    } catch (const ApiError& e) {
        EXPECT_TRUE(is_not_found(e)) << e.what();
    }
}

}  // namespace
}  // namespace sb::kube
