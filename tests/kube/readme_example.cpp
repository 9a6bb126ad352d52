// For every ConfigMap labelled greeting=yes, keep a ConfigMap "<name>-reply"
// that it owns, with data.reply = "hello, <data.name>". Deleting the greeting
// deletes the reply (Kubernetes' garbage collector follows the owner reference).
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

#include "common/json_fields.hpp"
#include "kube/manager.hpp"
#include "kube/object_helpers.hpp"

namespace kube = sb::kube;
namespace json = boost::json;

void add_greeter_controller(kube::Manager& manager) {
    auto& greetings = manager.informer(kube::resources::configmaps, {.label_selector = "greeting=yes"});
    auto& replies = manager.informer(kube::resources::configmaps, {.label_selector = "greeting-reply=yes"});
    auto& client = manager.client();
    auto reconcile = [&greetings, &client](const kube::Request& request) -> kube::Task<kube::Result> {
        auto greeting = greetings.store().get(request.key());  // from the informer's cache, no API call
        if (!greeting) co_return kube::Result::done();         // deleted: the garbage collector takes the reply
        json::object owner = *greeting;                        // listed objects carry no apiVersion/kind
        owner["apiVersion"] = "v1";
        owner["kind"] = "ConfigMap";
        const std::string reply = "hello, " + sb::get_string(owner, "data.name");
        const std::function<void(json::object&)> mutate = [&](json::object& cm) {
            kube::set_controller_reference(owner, cm);
            cm["metadata"].as_object()["labels"] = json::object{{"greeting-reply", "yes"}};
            cm["data"] = json::object{{"reply", reply}};
        };
        co_await kube::create_or_update(client, kube::resources::configmaps, request.namespace_,
                                        request.name + "-reply", mutate);
        co_return kube::Result::done();  // a throw would retry the key with per-key back-off
    };
    manager.add_controller({.name = "greeter", .workers = 2}, reconcile)
        .for_resource(greetings)
        .owns(replies, "", "ConfigMap");  // a changed or deleted reply reconciles its greeting
}

int main() {
    boost::asio::io_context io(1);  // one thread; the two workers are coroutines
    kube::Client client(io.get_executor(), kube::load_default_config());  // KUBECONFIG or in-cluster
    kube::Manager manager(client, {.health_port = 0});  // /metrics /healthz /readyz; stops on SIGTERM
    add_greeter_controller(manager);
    std::exception_ptr failure;
    boost::asio::co_spawn(io, manager.run(), [&](std::exception_ptr e) { failure = e; });
    io.run();
    if (failure) std::rethrow_exception(failure);
}
