#include "operator/app/certificate_api.hpp"

#include "common/log.hpp"
#include "kube/errors.hpp"

namespace sb::op {

const kube::ResourceRef certificates{"cert-manager.io", "v1", "certificates", true, "Certificate"};
const kube::ResourceRef ingresses{"networking.k8s.io", "v1", "ingresses", true, "Ingress"};

kube::Task<bool> certificate_api_served(kube::Client& client) {
    try {
        co_await client.get(kube::resources::customresourcedefinitions, "", "certificates.cert-manager.io");
        co_return true;
    } catch (const kube::ApiError& e) {
        if (kube::is_not_found(e)) {
            log::info("cert-manager is not installed: app hosts report no certificate until it is and the operator restarts");
            co_return false;
        }
        log::warn("cannot tell whether cert-manager is installed; certificates are not watched",
                  {{"error", boost::json::value(e.what())}});
        co_return false;
    } catch (const std::exception& e) {
        log::warn("cannot tell whether cert-manager is installed; certificates are not watched",
                  {{"error", boost::json::value(e.what())}});
        co_return false;
    }
}

}  // namespace sb::op
