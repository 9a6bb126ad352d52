// The REST client against a real kube-apiserver: every way of configuring
// it, CRUD, patches, server-side apply, the status subresource, paging and
// typed errors.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <boost/json.hpp>
#include <filesystem>
#include <fstream>
#include <future>
#include <regex>

#include "common/base64.hpp"
#include "kube/client.hpp"
#include "common/metrics.hpp"
#include "tests/kube/kube_test_util.hpp"
#include "tests/support/scratch.hpp"

namespace sb::kube {
namespace {

namespace json = boost::json;
namespace fs = std::filesystem;
using testenv::LocalControlPlane;
using testing::configmap;
using testing::run;

const ResourceRef kWidgets{"client.test.shapeblock.io", "v1", "widgets", true, "Widget"};

const char* kWidgetCrd = R"({
  "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
  "metadata": {"name": "widgets.client.test.shapeblock.io"},
  "spec": {"group": "client.test.shapeblock.io", "scope": "Namespaced",
    "names": {"plural": "widgets", "singular": "widget", "kind": "Widget"},
    "versions": [{"name": "v1", "served": true, "storage": true,
      "subresources": {"status": {}},
      "schema": {"openAPIV3Schema": {"type": "object", "properties": {
        "spec": {"type": "object", "required": ["size"], "properties": {
          "size": {"type": "integer", "minimum": 1},
          "color": {"type": "string", "enum": ["red", "blue"]}}},
        "status": {"type": "object", "properties": {"phase": {"type": "string"}}}}}}}]}})";

class ClientTest : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        auto& cp = LocalControlPlane::shared();
        boost::asio::io_context io;
        Client client(io.get_executor(), testing::admin_config(cp));
        run(io, [&]() -> Task<void> {
            co_await testing::ensure_namespace(client, "client-test");
            co_await testing::ensure_namespace(client, "paging");
            try {
                co_await client.create(resources::customresourcedefinitions, json::parse(kWidgetCrd).as_object());
            } catch (const ApiError& e) {
                if (!is_already_exists(e)) throw;
            }
            // Served once Established.
            for (int i = 0; i < 100; ++i) {
                try {
                    co_await client.list(kWidgets, "client-test");
                    co_return;
                } catch (const ApiError& e) {
                    if (!is_not_found(e)) throw;
                }
                co_await testing::sleep_for(std::chrono::milliseconds(100));
            }
            throw std::runtime_error("CRD never became served");
        }());
    }

    LocalControlPlane& cp = LocalControlPlane::shared();
    boost::asio::io_context io;
    Client admin{io.get_executor(), testing::admin_config(cp)};
    testenv::ScratchDir scratch{"kube-client-test"};

    // A request that needs authentication to succeed.
    void expect_works(const ClusterConfig& cfg) {
        Client client(io.get_executor(), cfg);
        auto ns = run(io, client.get(resources::namespaces, "", "client-test"));
        EXPECT_EQ(object_name(ns), "client-test");
    }

    std::string kubeconfig(const std::string& cluster, const std::string& user) {
        return "apiVersion: v1\nkind: Config\ncurrent-context: t\ncontexts:\n- name: t\n  context: {cluster: c, user: u}\n"
               "clusters:\n- name: c\n  cluster:\n    server: " + cp.server_url() + "\n" + cluster +
               "users:\n- name: u\n  user:\n" + user;
    }
};

// ------------------------------------------------------------------ config

TEST_F(ClientTest, TokenWithCaDataKubeconfig) { expect_works(load_kubeconfig({cp.admin_kubeconfig()})); }

TEST_F(ClientTest, ClientCertificateFilesKubeconfig) { expect_works(load_kubeconfig({cp.client_cert_kubeconfig()})); }

TEST_F(ClientTest, ClientCertificateDataAndCaFile) {
    auto file = scratch / "cert-data.kubeconfig";
    testenv::write_file(file, kubeconfig("    certificate-authority: " + cp.ca_file().string() + "\n",
                                         "    client-certificate-data: " +
                                             base64_encode(testenv::read_file(cp.client_cert_file())) +
                                             "\n    client-key-data: " +
                                             base64_encode(testenv::read_file(cp.client_key_file())) + "\n"));
    expect_works(load_kubeconfig({file}));
}

TEST_F(ClientTest, TokenFileIsReReadAfterUnauthorized) {
    auto token = scratch / "token";
    testenv::write_file(token, "wrong-token\n");
    auto file = scratch / "token-file.kubeconfig";
    testenv::write_file(file, kubeconfig("    certificate-authority: " + cp.ca_file().string() + "\n",
                                         "    tokenFile: token\n"));
    Client client(io.get_executor(), load_kubeconfig({file}));
    try {
        run(io, client.get(resources::namespaces, "", "client-test"));
        FAIL() << "a wrong token must be refused";
    } catch (const ApiError& e) {
        EXPECT_TRUE(is_unauthorized(e)) << e.what();
    }
    testenv::write_file(token, cp.admin_token() + "\n");  // rotated
    auto ns = run(io, client.get(resources::namespaces, "", "client-test"));
    EXPECT_EQ(object_name(ns), "client-test");
}

TEST_F(ClientTest, InClusterConfigWithRotatingToken) {
    auto token = scratch / "sa-token";
    testenv::write_file(token, cp.admin_token());
    ::setenv("KUBERNETES_SERVICE_HOST", "127.0.0.1", 1);
    ::setenv("KUBERNETES_SERVICE_PORT", std::to_string(cp.port()).c_str(), 1);
    auto cfg = load_in_cluster_config({token, cp.ca_file(), scratch / "no-namespace-file"});
    ::unsetenv("KUBERNETES_SERVICE_HOST");
    ::unsetenv("KUBERNETES_SERVICE_PORT");
    cfg.token_file_refresh = std::chrono::seconds(0);  // re-read on every request
    Client client(io.get_executor(), cfg);
    run(io, client.get(resources::namespaces, "", "client-test"));
    testenv::write_file(token, cp.user_token());  // rotated to a token of a user without rights
    try {
        run(io, client.get(resources::namespaces, "", "client-test"));
        FAIL() << "the rotated token must be used";
    } catch (const ApiError& e) {
        EXPECT_TRUE(is_forbidden(e)) << e.what();
    }
}

TEST_F(ClientTest, TlsServerNameAndInsecureSkipVerify) {
    auto with_name = scratch / "sni.kubeconfig";
    testenv::write_file(with_name, kubeconfig("    certificate-authority: " + cp.ca_file().string() +
                                                  "\n    tls-server-name: kubernetes.default.svc\n",
                                              "    token: " + cp.admin_token() + "\n"));
    expect_works(load_kubeconfig({with_name}));

    auto wrong_name = scratch / "wrong-sni.kubeconfig";
    testenv::write_file(wrong_name, kubeconfig("    certificate-authority: " + cp.ca_file().string() +
                                                   "\n    tls-server-name: wrong.example.com\n",
                                               "    token: " + cp.admin_token() + "\n"));
    Client wrong(io.get_executor(), load_kubeconfig({wrong_name}));
    try {
        run(io, wrong.get(resources::namespaces, "", "client-test"));
        FAIL() << "a certificate for another name must be refused";
    } catch (const TransportError& e) {
        EXPECT_NE(std::string(e.what()).find("wrong.example.com"), std::string::npos) << e.what();
    }

    // No CA: the system trust store does not know the test CA...
    auto no_ca = scratch / "no-ca.kubeconfig";
    testenv::write_file(no_ca, kubeconfig("", "    token: " + cp.admin_token() + "\n"));
    Client untrusted(io.get_executor(), load_kubeconfig({no_ca}));
    EXPECT_THROW(run(io, untrusted.get(resources::namespaces, "", "client-test")), TransportError);
    // ...unless verification is switched off.
    auto insecure = scratch / "insecure.kubeconfig";
    testenv::write_file(insecure, kubeconfig("    insecure-skip-tls-verify: true\n", "    token: " + cp.admin_token() + "\n"));
    expect_works(load_kubeconfig({insecure}));
}

TEST_F(ClientTest, SeveralKubeconfigFilesWithContextOverride) {
    auto first = scratch / "first.kubeconfig";
    testenv::write_file(first, "current-context: alice\ncontexts:\n- name: alice\n  context: {cluster: local, user: alice}\n"
                               "users:\n- name: alice\n  user: {token: " + cp.user_token() + "}\n");
    ::setenv("KUBECONFIG", (first.string() + ":" + cp.admin_kubeconfig().string()).c_str(), 1);
    auto as_alice = load_default_config();
    auto admin_context = load_kubeconfig({}, load_kubeconfig({cp.admin_kubeconfig()}).context_name);
    ::unsetenv("KUBECONFIG");
    EXPECT_EQ(as_alice.bearer_token, cp.user_token());
    EXPECT_EQ(admin_context.bearer_token, cp.admin_token());
    Client alice(io.get_executor(), as_alice);
    EXPECT_THROW(run(io, alice.get(resources::namespaces, "", "client-test")), ApiError);
    expect_works(admin_context);
}

// An exec plugin that counts its runs; the first run hands out a bad token.
TEST_F(ClientTest, ExecPluginIsCachedUntilExpiryAndRerunOn401) {
    auto script = scratch / "get-token.sh";
    auto count = scratch / "runs";
    auto info = scratch / "exec-info.json";
    testenv::write_file(script,
                        "#!/bin/sh\n"
                        "n=$(cat " + count.string() + " 2>/dev/null || echo 0); n=$((n+1)); echo $n > " + count.string() + "\n"
                        "printf '%s' \"$KUBERNETES_EXEC_INFO\" > " + info.string() + "\n"
                        "if [ $n -eq 1 ]; then token=bad; else token=" + cp.admin_token() + "; fi\n"
                        "echo \"{\\\"apiVersion\\\":\\\"client.authentication.k8s.io/v1beta1\\\",\\\"kind\\\":\\\"ExecCredential\\\","
                        "\\\"status\\\":{\\\"token\\\":\\\"$token\\\",\\\"expirationTimestamp\\\":\\\"$EXPIRES\\\"}}\"\n");
    ::chmod(script.c_str(), 0755);
    auto file = scratch / "exec.kubeconfig";
    auto write_config = [&](const std::string& expires) {
        testenv::write_file(file, kubeconfig("    certificate-authority: " + cp.ca_file().string() + "\n",
                                             "    exec:\n      apiVersion: client.authentication.k8s.io/v1beta1\n"
                                             "      command: ./get-token.sh\n      provideClusterInfo: true\n"
                                             "      env:\n      - {name: EXPIRES, value: '" + expires + "'}\n"));
    };
    write_config("2099-01-01T00:00:00Z");
    {
        Client client(io.get_executor(), load_kubeconfig({file}));
        run(io, client.get(resources::namespaces, "", "client-test"));  // 401 with "bad", re-run, success
        EXPECT_EQ(testenv::read_file(count), "2\n");
        for (int i = 0; i < 3; ++i) run(io, client.get(resources::namespaces, "", "client-test"));
        EXPECT_EQ(testenv::read_file(count), "2\n") << "a token valid until 2099 is cached";
        auto exec_info = json::parse(testenv::read_file(info)).as_object();
        EXPECT_EQ(exec_info["kind"], "ExecCredential");
        EXPECT_EQ(std::string(exec_info.at("spec").at("cluster").at("server").as_string()), cp.server_url());
    }
    write_config("2000-01-01T00:00:00Z");  // already expired: every request runs the plugin
    Client client(io.get_executor(), load_kubeconfig({file}));
    run(io, client.get(resources::namespaces, "", "client-test"));
    run(io, client.get(resources::namespaces, "", "client-test"));
    EXPECT_EQ(testenv::read_file(count), "4\n");
}

// The plugin blocks until the test's io thread has seen it start: were it run
// on the io thread, nothing could answer it, it would give up and the
// requests would fail. Three concurrent requests share the one run.
TEST_F(ClientTest, SlowExecPluginRunsOffTheIoThreadOncePerConcurrentRequests) {
    auto script = scratch / "slow-token.sh";
    auto started = scratch / "slow-started";
    auto go = scratch / "slow-go";
    auto count = scratch / "slow-runs";
    testenv::write_file(script,
                        "#!/bin/sh\n"
                        "n=$(cat " + count.string() + " 2>/dev/null || echo 0); echo $((n+1)) > " + count.string() + "\n"
                        "touch " + started.string() + "\n"
                        "i=0; while [ ! -e " + go.string() + " ]; do i=$((i+1)); [ $i -gt 400 ] && exit 3; sleep 0.05; done\n"
                        "echo '{\"apiVersion\":\"client.authentication.k8s.io/v1\",\"kind\":\"ExecCredential\","
                        "\"status\":{\"token\":\"" + cp.admin_token() + "\"}}'\n");
    ::chmod(script.c_str(), 0755);
    auto file = scratch / "slow-exec.kubeconfig";
    testenv::write_file(file, kubeconfig("    certificate-authority: " + cp.ca_file().string() + "\n",
                                         "    exec:\n      apiVersion: client.authentication.k8s.io/v1\n"
                                         "      command: ./slow-token.sh\n"));
    Client client(io.get_executor(), load_kubeconfig({file}));
    std::vector<std::future<json::object>> requests;
    for (int i = 0; i < 3; ++i)
        requests.push_back(boost::asio::co_spawn(io, client.get(resources::namespaces, "", "client-test"),
                                                 boost::asio::use_future));
    // A coroutine on the same io thread answers the waiting plugin.
    run(io, [&]() -> Task<void> {
        while (!fs::exists(started)) co_await testing::sleep_for(std::chrono::milliseconds(10));
        testenv::write_file(go, "");
    }());
    auto all_done = [&] {
        for (auto& r : requests)
            if (r.wait_for(std::chrono::seconds(0)) != std::future_status::ready) return false;
        return true;
    };
    run(io, [&]() -> Task<void> {
        while (!all_done()) co_await testing::sleep_for(std::chrono::milliseconds(10));
    }());
    for (auto& r : requests) EXPECT_EQ(object_name(r.get()), "client-test");
    EXPECT_EQ(testenv::read_file(count), "1\n") << "concurrent requests share one plugin run";
}

// Concurrent requests open several connections; they stay pooled until
// closed as idle, and the client goes on working afterwards.
TEST_F(ClientTest, IdleConnectionsCanBeClosed) {
    Client client(io.get_executor(), testing::admin_config(cp));
    std::vector<std::future<json::object>> requests;
    for (int i = 0; i < 4; ++i)
        requests.push_back(boost::asio::co_spawn(io, client.get(resources::namespaces, "", "client-test"),
                                                 boost::asio::use_future));
    run(io, [&]() -> Task<void> {
        for (auto& r : requests)
            while (r.wait_for(std::chrono::seconds(0)) != std::future_status::ready)
                co_await testing::sleep_for(std::chrono::milliseconds(5));
    }());
    for (auto& r : requests) r.get();
    const auto pooled = client.idle_connections();
    EXPECT_GE(pooled, 2u) << "four requests at once need more than one connection";
    EXPECT_EQ(client.close_idle_connections(std::chrono::hours(1)), 0u) << "none idle for an hour";
    EXPECT_EQ(client.close_idle_connections(std::chrono::milliseconds(0)), pooled);
    EXPECT_EQ(client.idle_connections(), 0u);
    auto opened = client.connections_opened();
    EXPECT_EQ(object_name(run(io, client.get(resources::namespaces, "", "client-test"))), "client-test");
    EXPECT_EQ(client.connections_opened(), opened + 1);
}

TEST_F(ClientTest, ExecPluginFailureIsReported) {
    auto file = scratch / "exec-missing.kubeconfig";
    testenv::write_file(file, kubeconfig("    certificate-authority: " + cp.ca_file().string() + "\n",
                                         "    exec:\n      apiVersion: client.authentication.k8s.io/v1beta1\n"
                                         "      command: /nonexistent/plugin\n      installHint: install the plugin\n"));
    Client client(io.get_executor(), load_kubeconfig({file}));
    try {
        run(io, client.get(resources::namespaces, "", "client-test"));
        FAIL();
    } catch (const TransportError& e) {
        EXPECT_NE(std::string(e.what()).find("install the plugin"), std::string::npos) << e.what();
    }
}

// ------------------------------------------------------------------ REST

TEST_F(ClientTest, CrudUpdateConflictAndDeletePreconditions) {
    run(io, [&]() -> Task<void> {
        auto created = co_await admin.create(resources::configmaps, configmap("client-test", "crud"));
        EXPECT_FALSE(object_uid(created).empty());
        auto got = co_await admin.get(resources::configmaps, "client-test", "crud");
        EXPECT_EQ(got.at("data").at("k"), "v");

        auto stale = got;
        got["data"].as_object()["k"] = "v2";
        auto updated = co_await admin.update(resources::configmaps, got);
        EXPECT_EQ(updated.at("data").at("k"), "v2");
        stale["data"].as_object()["k"] = "lost update";
        try {
            co_await admin.update(resources::configmaps, stale);
            ADD_FAILURE() << "a stale resourceVersion must conflict";
        } catch (const ApiError& e) {
            EXPECT_TRUE(is_conflict(e)) << e.what();
        }

        auto patched = co_await admin.merge_patch(resources::configmaps, "client-test", "crud",
                                                  json::parse(R"({"data":{"k":null,"added":"x"},"metadata":{"labels":{"l":"1"}}})"));
        EXPECT_FALSE(patched.at("data").as_object().contains("k"));
        EXPECT_EQ(patched.at("data").at("added"), "x");

        try {
            DeleteOptions wrong_uid{.precondition_uid = "not-the-uid"};
            co_await admin.remove(resources::configmaps, "client-test", "crud", wrong_uid);
            ADD_FAILURE() << "a wrong UID precondition must conflict";
        } catch (const ApiError& e) {
            EXPECT_TRUE(is_conflict(e)) << e.what();
        }
        DeleteOptions right_uid{.propagation = PropagationPolicy::background,
                                .precondition_uid = std::string(object_uid(created))};
        auto removed = co_await admin.remove(resources::configmaps, "client-test", "crud", right_uid);
        (void)removed;
        try {
            co_await admin.get(resources::configmaps, "client-test", "crud");
            ADD_FAILURE() << "deleted";
        } catch (const ApiError& e) {
            EXPECT_TRUE(is_not_found(e));
            EXPECT_EQ(e.code(), 404);
        }
    }());
}

TEST_F(ClientTest, ServerSideApplyOwnsFieldsAndForceTakesThemOver) {
    run(io, [&]() -> Task<void> {
        auto cm = configmap("client-test", "applied", json::parse(R"({"a":"1"})").as_object());
        // (Options in named variables: GCC 12 breaks braced temporaries in co_await expressions.)
        ApplyOptions one{.field_manager = "one"}, two{.field_manager = "two"}, two_forced{.field_manager = "two", .force = true};
        auto first = co_await admin.apply(resources::configmaps, cm, one);
        EXPECT_EQ(first.at("data").at("a"), "1");
        auto again = co_await admin.apply(resources::configmaps, cm, one);
        EXPECT_EQ(object_resource_version(again), object_resource_version(first)) << "same intent, no change";

        auto other = configmap("client-test", "applied", json::parse(R"({"a":"2"})").as_object());
        try {
            co_await admin.apply(resources::configmaps, other, two);
            ADD_FAILURE() << "a field owned by another manager must conflict";
        } catch (const ApiError& e) {
            EXPECT_TRUE(is_conflict(e)) << e.what();
            EXPECT_FALSE(e.causes().empty());
        }
        auto forced = co_await admin.apply(resources::configmaps, other, two_forced);
        EXPECT_EQ(forced.at("data").at("a"), "2");
        bool two_manages = false;
        for (const auto& mf : forced.at("metadata").at("managedFields").as_array())
            if (mf.at("manager") == "two") two_manages = true;
        EXPECT_TRUE(two_manages);
        co_await admin.remove(resources::configmaps, "client-test", "applied");
    }());
}

TEST_F(ClientTest, StatusSubresourceAndInvalidFieldCauses) {
    run(io, [&]() -> Task<void> {
        auto widget = json::parse(R"({"apiVersion":"client.test.shapeblock.io/v1","kind":"Widget",
            "metadata":{"name":"w1","namespace":"client-test"},"spec":{"size":3}})").as_object();
        auto created = co_await admin.create(kWidgets, widget);

        auto with_status = created;
        with_status["status"] = json::object{{"phase", "Ready"}};
        with_status["spec"].as_object()["size"] = 99;  // ignored by /status
        auto after = co_await admin.update_status(kWidgets, with_status);
        EXPECT_EQ(after.at("status").at("phase"), "Ready");
        EXPECT_EQ(after.at("spec").at("size"), 3);

        auto patched = co_await admin.merge_patch(kWidgets, "client-test", "w1",
                                                  json::parse(R"({"status":{"phase":"Done"}})"), "status");
        EXPECT_EQ(patched.at("status").at("phase"), "Done");
        // A status patch on the main resource is ignored for status.
        auto main = co_await admin.merge_patch(kWidgets, "client-test", "w1", json::parse(R"({"status":{"phase":"X"}})"));
        EXPECT_EQ(main.at("status").at("phase"), "Done");

        json::object bad = widget;
        bad["metadata"].as_object()["name"] = "w-bad";
        bad["spec"] = json::object{{"size", 0}, {"color", "green"}};
        try {
            co_await admin.create(kWidgets, bad);
            ADD_FAILURE() << "the schema must refuse it";
        } catch (const ApiError& e) {
            EXPECT_TRUE(is_invalid(e)) << e.what();
            EXPECT_EQ(e.code(), 422);
            std::set<std::string> fields;
            for (const auto& c : e.causes()) fields.insert(c.field);
            EXPECT_TRUE(fields.count("spec.size")) << e.what();
            EXPECT_TRUE(fields.count("spec.color")) << e.what();
        }
        try {
            co_await admin.create(kWidgets, widget);
            ADD_FAILURE() << "exists";
        } catch (const ApiError& e) {
            EXPECT_TRUE(is_already_exists(e)) << e.what();
        }
        co_await admin.remove(kWidgets, "client-test", "w1");
    }());
}

TEST_F(ClientTest, ForbiddenForUserWithoutRbacGrants) {
    Client alice(io.get_executor(), load_kubeconfig({cp.user_kubeconfig()}));
    try {
        run(io, alice.list(resources::configmaps, "client-test"));
        FAIL() << "alice has no grants";
    } catch (const ApiError& e) {
        EXPECT_TRUE(is_forbidden(e)) << e.what();
        EXPECT_EQ(e.code(), 403);
        EXPECT_NE(e.status_message().find("alice"), std::string::npos);
    }
}

TEST_F(ClientTest, PagingOverManyObjectsAndKeepAliveReuse) {
    constexpr int kCount = 520;
    run(io, [&]() -> Task<void> {
        ListOptions selected{.label_selector = "paging=yes"};
        auto existing = co_await admin.list_all(resources::configmaps, "paging", selected);
        if (existing.items.size() < kCount) {
            for (int i = 0; i < kCount; ++i) {
                auto cm = configmap("paging", "cm-" + std::to_string(i));
                cm["metadata"].as_object()["labels"] = json::object{{"paging", "yes"}, {"parity", i % 2 ? "odd" : "even"}};
                co_await admin.create(resources::configmaps, cm);
            }
        }
    }(), std::chrono::seconds(300));
    auto opened_before = admin.connections_opened();
    auto first = run(io, admin.list(resources::configmaps, "paging", {.label_selector = "paging=yes", .limit = 100}));
    EXPECT_EQ(first.items.size(), 100u);
    EXPECT_FALSE(first.continue_.empty());
    // The server counts what is left only for lists without selectors.
    auto plain = run(io, admin.list(resources::configmaps, "paging", {.limit = 100}));
    auto everything = run(io, admin.list_all(resources::configmaps, "paging"));
    ASSERT_TRUE(plain.remaining_item_count);
    EXPECT_EQ(static_cast<std::size_t>(*plain.remaining_item_count + 100), everything.items.size());
    EXPECT_EQ(first.items[0].at("kind"), "ConfigMap");  // filled in from the list's kind

    auto all = run(io, admin.list_all(resources::configmaps, "paging", {.label_selector = "paging=yes", .limit = 100}));
    EXPECT_EQ(all.items.size(), static_cast<std::size_t>(kCount));
    std::set<std::string> names;
    for (const auto& item : all.items) names.insert(std::string(object_name(item)));
    EXPECT_EQ(names.size(), static_cast<std::size_t>(kCount));

    auto even = run(io, admin.list_all(resources::configmaps, "paging", {.label_selector = "paging=yes,parity=even"}));
    EXPECT_EQ(even.items.size(), static_cast<std::size_t>(kCount / 2));
    auto by_field = run(io, admin.list(resources::configmaps, "paging", {.field_selector = "metadata.name=cm-7"}));
    ASSERT_EQ(by_field.items.size(), 1u);
    EXPECT_EQ(object_name(by_field.items[0]), "cm-7");
    // Sequential requests reuse one kept-alive connection.
    EXPECT_LE(admin.connections_opened() - opened_before, 1u);

    auto rendered = metrics::Registry::global().render();
    EXPECT_NE(rendered.find("sb_kube_api_requests_total{verb=\"list\",resource=\"configmaps\",code=\"200\"}"),
              std::string::npos);
    EXPECT_NE(rendered.find("sb_kube_api_request_duration_seconds_bucket{verb=\"list\",resource=\"configmaps\""),
              std::string::npos);
}

TEST_F(ClientTest, ExpiredContinueTokenAfterCompactionIsGone) {
    run(io, testing::ensure_namespace(admin, "paging"));
    auto page = run(io, admin.list(resources::configmaps, "paging", {.limit = 5}));
    ASSERT_FALSE(page.continue_.empty()) << "needs the paging test's objects or more than 5 config maps";
    run(io, admin.create(resources::configmaps, configmap("paging", "after-page-" + testenv::random_hex(4))));
    cp.compact_etcd();
    try {
        run(io, admin.list(resources::configmaps, "paging", {.limit = 5, .continue_ = page.continue_}));
        FAIL() << "a continue token from before the compaction must expire";
    } catch (const ApiError& e) {
        EXPECT_TRUE(is_gone(e)) << e.what();
        EXPECT_EQ(e.code(), 410);
    }
}

json::object pod_object() {
    return json::parse(R"({"apiVersion":"v1","kind":"Pod","metadata":{"name":"logs","namespace":"client-test"},
        "spec":{"containers":[{"name":"c","image":"busybox"}]}})").as_object();
}

TEST_F(ClientTest, RawRequestAndPodLogsOfUnscheduledPod) {
    auto version = run(io, admin.raw({.path = "/version"}));
    EXPECT_EQ(version.status, 200);
    EXPECT_NE(version.body.find("gitVersion"), std::string::npos);
    run(io, [&]() -> Task<void> {
        auto pod = pod_object();
        try {
            co_await admin.create(resources::pods, pod);
        } catch (const ApiError& e) {
            if (!is_already_exists(e)) throw;
        }
        // No kubelet in this control plane: an unscheduled pod has an empty log.
        LogOptions tail{.container = "c", .tail_lines = 10};
        auto log = co_await admin.pod_logs("client-test", "logs", tail);
        EXPECT_TRUE(log.empty()) << log;
        try {
            co_await admin.pod_logs("client-test", "no-such-pod");
            ADD_FAILURE() << "no such pod";
        } catch (const ApiError& e) {
            EXPECT_TRUE(is_not_found(e)) << e.what();
        }
    }());
}

}  // namespace
}  // namespace sb::kube
