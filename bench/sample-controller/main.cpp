// The C++ twin of k8s.io/sample-controller, on libkube: for every Foo
// (samplecontroller.k8s.io/v1alpha1) it makes sure a Deployment named
// spec.deploymentName exists with spec.replicas replicas and a controller
// reference to the Foo, copies the Deployment's status.availableReplicas
// into the Foo's status, and records the same Events. Same informers (Foos,
// Deployments), same work queue semantics, same two workers.
#include <CLI/CLI.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/json.hpp>
#include <iostream>

#include "kube/client.hpp"
#include "common/log.hpp"
#include "kube/config.hpp"
#include "kube/events.hpp"
#include "kube/manager.hpp"
#include "kube/object_helpers.hpp"

namespace asio = boost::asio;
namespace json = boost::json;
namespace kube = sb::kube;

namespace {

const kube::ResourceRef kFoos{.group = "samplecontroller.k8s.io",
                              .version = "v1alpha1",
                              .resource = "foos",
                              .namespaced = true,
                              .kind = "Foo"};

std::optional<std::int64_t> int_at(const json::object& obj, std::initializer_list<std::string_view> path) {
    const json::value* v = nullptr;
    const json::object* o = &obj;
    for (auto key : path) {
        if (!o) return std::nullopt;
        v = o->if_contains(key);
        if (!v) return std::nullopt;
        o = v->is_object() ? &v->get_object() : nullptr;
    }
    if (v && v->is_int64()) return v->get_int64();
    return std::nullopt;
}

std::string string_at(const json::object& obj, std::string_view section, std::string_view key) {
    const auto* s = obj.if_contains(section);
    if (!s || !s->is_object()) return {};
    const auto* v = s->get_object().if_contains(key);
    return v && v->is_string() ? std::string(v->get_string()) : std::string{};
}

// newDeployment() of sample-controller/controller.go.
json::object new_deployment(const json::object& foo) {
    const std::string foo_name(kube::object_name(foo));
    json::object labels{{"app", "nginx"}, {"controller", foo_name}};
    json::object deployment{
        {"apiVersion", "apps/v1"},
        {"kind", "Deployment"},
        {"metadata",
         {{"name", string_at(foo, "spec", "deploymentName")}, {"namespace", kube::object_namespace(foo)}}},
        {"spec",
         {{"replicas", int_at(foo, {"spec", "replicas"}).value_or(1)},
          {"selector", {{"matchLabels", labels}}},
          {"template",
           {{"metadata", {{"labels", labels}}},
            {"spec", {{"containers", json::array{json::object{{"name", "nginx"}, {"image", "nginx:latest"}}}}}}}}}}};
    kube::set_controller_reference(foo, deployment);
    return deployment;
}

class FooReconciler {
public:
    FooReconciler(kube::Client& client, kube::Informer& foos, kube::Informer& deployments, kube::EventRecorder& events)
        : client_(client), foos_(foos), deployments_(deployments), events_(events) {}

    // syncHandler() of sample-controller/controller.go.
    asio::awaitable<kube::Result> operator()(const kube::Request& request) {
        auto cached = foos_.store().get(request.key());
        if (!cached) co_return kube::Result::done();  // deleted; the garbage collector takes the Deployment
        // Items of a list carry no apiVersion/kind; owner references and events need them.
        json::object foo = *cached;
        foo["apiVersion"] = kFoos.api_version();
        foo["kind"] = kFoos.kind;

        const auto deployment_name = string_at(foo, "spec", "deploymentName");
        if (deployment_name.empty()) {
            sb::log::warn("deployment name must be specified", {{"foo", json::value(request.key())}});
            co_return kube::Result::done();
        }

        json::object deployment;
        if (auto d = deployments_.store().get(request.namespace_, deployment_name)) {
            deployment = *d;
        } else {
            deployment = co_await client_.create(kube::resources::deployments, new_deployment(foo));
        }

        if (!kube::is_controlled_by(deployment, foo)) {
            const auto message = "Resource \"" + deployment_name + "\" already exists and is not managed by Foo";
            events_.event(foo, kube::EventType::warning, "ErrResourceExists", message);
            throw std::runtime_error(message);
        }

        const auto want = int_at(foo, {"spec", "replicas"});
        if (want && want != int_at(deployment, {"spec", "replicas"}))
            deployment = co_await client_.update(kube::resources::deployments, new_deployment(foo));

        // updateFooStatus(): the whole Foo, as the Go controller does (no status subresource).
        foo["status"] = json::object{{"availableReplicas", int_at(deployment, {"status", "availableReplicas"}).value_or(0)}};
        co_await client_.update(kFoos, std::move(foo));

        events_.event(*cached, kube::EventType::normal, "Synced", "Foo synced successfully");
        co_return kube::Result::done();
    }

private:
    kube::Client& client_;
    kube::Informer& foos_;
    kube::Informer& deployments_;
    kube::EventRecorder& events_;
};

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"sample-controller on libkube"};
    std::string kubeconfig, context;
    double qps = 0;
    int burst = 0, workers = 2, health_port = -1;
    std::string cache = "compact";
    app.add_option("--kubeconfig", kubeconfig, "kubeconfig file (default: KUBECONFIG or in-cluster)");
    app.add_option("--context", context, "kubeconfig context");
    app.add_option("--qps", qps, "client-side request rate limit (default: the client's)");
    app.add_option("--burst", burst, "client-side burst");
    app.add_option("--workers", workers, "concurrent reconciles")->capture_default_str();
    app.add_option("--health-port", health_port, "port for /metrics /healthz /readyz (-1: off)")->capture_default_str();
    app.add_option("--cache", cache, "informer cache encoding: compact (serialized JSON) or objects")
        ->check(CLI::IsMember({"compact", "objects"}))
        ->capture_default_str();
    CLI11_PARSE(app, argc, argv);

    try {
        auto config = kubeconfig.empty() ? kube::load_default_config(context) : kube::load_kubeconfig({kubeconfig}, context);
        if (qps > 0) config.qps = qps;
        if (burst > 0) config.burst = burst;

        asio::io_context io(1);
        kube::Client client(io.get_executor(), std::move(config));
        kube::Manager manager(client, {.health_port = health_port});
        kube::EventRecorder events(client, {.component = "sample-controller"});

        kube::InformerOptions cache_options;
        cache_options.encoding = cache == "compact" ? kube::StoreEncoding::compact_json : kube::StoreEncoding::objects;
        auto& foos = manager.informer(kFoos, cache_options);
        auto& deployments = manager.informer(kube::resources::deployments, cache_options);
        FooReconciler reconciler(client, foos, deployments, events);
        manager.add_controller({.name = "foos", .workers = workers}, std::ref(reconciler))
            .for_resource(foos)
            .owns(deployments, "samplecontroller.k8s.io", "Foo");

        std::exception_ptr failure;
        asio::co_spawn(io, manager.run(), [&](std::exception_ptr e) {
            failure = e;
            io.stop();
        });
        io.run();
        if (failure) std::rethrow_exception(failure);
    } catch (const std::exception& e) {
        std::cerr << "sample-controller: " << e.what() << "\n";
        return 1;
    }
    return 0;
}
