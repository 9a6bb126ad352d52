#pragma once
// Just enough of the Kubernetes REST API for deploy tests: create, apply
// (create or replace) and read objects given as JSON, on a LocalControlPlane
// as its admin, through the harness's synchronous https_request probe.
#include <boost/json.hpp>
#include <string>

#include "tests/support/https_probe.hpp"
#include "tests/support/local_control_plane.hpp"

namespace sb::deploytest {

class KubeApi {
public:
    explicit KubeApi(testenv::LocalControlPlane& cp) : cp_(cp) {}

    testenv::ProbeResponse call(const std::string& method, const std::string& path, const std::string& body = "") const;

    // REST paths derived from apiVersion, kind, metadata.name/namespace.
    // Throws for a kind the table in kube_api.cpp does not know.
    static std::string collection_path(const boost::json::value& object);
    static std::string object_path(const boost::json::value& object);

    testenv::ProbeResponse create(const boost::json::value& object) const;
    // Creates, or replaces the existing object (kubectl apply without the merge).
    testenv::ProbeResponse apply(const boost::json::value& object) const;
    // GET of an existing object; throws with the response when not 200.
    boost::json::value get(const std::string& path) const;
    // Replaces the status subresource (the object must carry resourceVersion).
    testenv::ProbeResponse put_status(const boost::json::value& object) const;

    void ensure_namespace(const std::string& name) const;
    // The token kube-controller-manager issues for a ServiceAccount (its
    // token Secret), for requests made as that account. Waits up to 30 s.
    std::string service_account_token(const std::string& ns, const std::string& name) const;
    // A request as someone else (a ServiceAccount token).
    testenv::ProbeResponse call_as(const std::string& token, const std::string& method, const std::string& path,
                                   const std::string& body = "") const;
    // Waits until the CRD's Established condition is True; throws after the timeout.
    void wait_crd_established(const std::string& crd_name) const;

private:
    testenv::LocalControlPlane& cp_;
};

}  // namespace sb::deploytest
