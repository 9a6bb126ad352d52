#include "operator/common/crd_install.hpp"

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/array.hpp>

#include "operator/common/crd_types.hpp"
#include "operator/common/embedded_crds.hpp"
#include "common/log.hpp"
#include "operator/common/yaml_json.hpp"

namespace sb::op {

namespace json = boost::json;

namespace {

bool established(const json::object& crd) {
    const auto* status = find_object(crd, "status");
    if (!status) return false;
    auto it = status->find("conditions");
    if (it == status->end() || !it->value().is_array()) return false;
    const auto* cond = find_condition(it->value().get_array(), "Established");
    return cond && get_string(*cond, "status") == "True";
}

}  // namespace

kube::Task<void> install_crds(kube::Client& client, std::chrono::seconds timeout) {
    // Parsed up front: no temporaries live across a co_await.
    std::vector<json::object> crds;
    for (const auto& file : embedded_crds())
        for (auto& crd : parse_yaml_manifests(file.content, file.name)) crds.push_back(std::move(crd));
    std::vector<std::string> names;
    kube::ApplyOptions options;
    options.field_manager = std::string(kFieldManager);
    options.force = true;
    for (const auto& crd : crds) {
        auto name = get_string(crd, "metadata.name");
        co_await client.apply(kube::resources::customresourcedefinitions, crd, options);
        log::info("CRD applied", {{"crd", json::value(name)}});
        names.push_back(std::move(name));
    }
    auto deadline = std::chrono::steady_clock::now() + timeout;
    boost::asio::steady_timer timer(co_await boost::asio::this_coro::executor);
    for (const auto& name : names) {
        while (!established(co_await client.get(kube::resources::customresourcedefinitions, "", name))) {
            if (std::chrono::steady_clock::now() > deadline)
                throw std::runtime_error("CRD " + name + " was not Established within " +
                                         std::to_string(timeout.count()) + "s");
            timer.expires_after(std::chrono::milliseconds(200));
            co_await timer.async_wait(boost::asio::use_awaitable);
        }
    }
    log::info("CRDs established", {{"count", static_cast<std::int64_t>(names.size())}});
}

}  // namespace sb::op
