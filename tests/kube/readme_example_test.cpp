// The controller example of src/kube/README.md (readme_example.cpp, the same
// text) run as its own process against a real kube-apiserver, so the README's
// example cannot rot: it must compile, start from KUBECONFIG, do what the
// README says, and stop on SIGTERM.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <thread>

#include "kube/config.hpp"
#include "tests/kube/kube_test_util.hpp"
#include "tests/support/child_process.hpp"
#include "tests/support/scratch.hpp"

namespace json = boost::json;
namespace kube = sb::kube;
using sb::kube::testing::run;
using namespace std::chrono_literals;

namespace {

json::object greeting(const std::string& name, const std::string& who) {
    auto cm = kube::testing::configmap("default", name, json::object{{"name", who}});
    cm["metadata"].as_object()["labels"] = json::object{{"greeting", "yes"}};
    return cm;
}

class ReadmeExample : public ::testing::Test {
protected:
    sb::testenv::LocalControlPlane& cp = sb::testenv::LocalControlPlane::shared();
    sb::testenv::ScratchDir dir{"kube-readme-example"};
    boost::asio::io_context io;
    kube::Client client{io.get_executor(), kube::testing::admin_config(cp)};

    // data.reply of the reply ConfigMap, "" while it does not exist.
    std::string reply_of(const std::string& greeting_name) {
        try {
            auto cm = run(io, client.get(kube::resources::configmaps, "default", greeting_name + "-reply"));
            const auto* reply = cm["data"].as_object().if_contains("reply");
            return reply ? std::string(reply->as_string()) : std::string{};
        } catch (const kube::ApiError& e) {
            if (kube::is_not_found(e)) return {};
            throw;
        }
    }

    bool eventually_reply(const std::string& greeting_name, const std::string& expected) {
        const auto deadline = std::chrono::steady_clock::now() + 30s;
        while (std::chrono::steady_clock::now() < deadline) {
            if (reply_of(greeting_name) == expected) return true;
            std::this_thread::sleep_for(100ms);
        }
        return reply_of(greeting_name) == expected;
    }
};

}  // namespace

TEST_F(ReadmeExample, RepliesToGreetingsKeepsRepliesAndStopsOnSigterm) {
    sb::testenv::ChildProcess example({.argv = {SB_README_EXAMPLE},
                                       .log_file = (dir.path() / "example.log").string(),
                                       .env = {{"KUBECONFIG", cp.admin_kubeconfig().string()}}});
    run(io, client.create(kube::resources::configmaps, greeting("hi", "world")));
    ASSERT_TRUE(eventually_reply("hi", "hello, world")) << example.log_tail();

    auto changed = run(io, client.get(kube::resources::configmaps, "default", "hi"));
    changed["data"].as_object()["name"] = "Kubernetes";
    run(io, client.update(kube::resources::configmaps, changed));
    EXPECT_TRUE(eventually_reply("hi", "hello, Kubernetes")) << example.log_tail();

    // The reply is owned: deleting it by hand reconciles the greeting, which writes it again.
    run(io, client.remove(kube::resources::configmaps, "default", "hi-reply"));
    EXPECT_TRUE(eventually_reply("hi", "hello, Kubernetes")) << example.log_tail();
    auto reply = run(io, client.get(kube::resources::configmaps, "default", "hi-reply"));
    EXPECT_EQ(reply["metadata"].at("ownerReferences").at(0).at("name"), "hi");

    // Unlabelled ConfigMaps are not the controller's business.
    run(io, client.create(kube::resources::configmaps, kube::testing::configmap("default", "plain")));
    std::this_thread::sleep_for(1s);
    EXPECT_EQ(reply_of("plain"), "");

    ASSERT_TRUE(example.running()) << example.log_tail();
    example.stop(10s);
    EXPECT_FALSE(example.running());
}
