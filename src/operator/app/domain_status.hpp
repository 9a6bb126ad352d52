#pragma once
// status.domains and status.dnsTarget of an App, read from what the cluster
// serves: the app's Ingresses (the chart's, labelled shapeblock.io/app) and
// the cert-manager Certificates ingress-shim makes for their TLS Secrets
// (named after the Secret). Pure functions.
//
// A host's certificate: None without a cluster issuer (or when its Ingress
// asks for no TLS); Issued when the Certificate is Ready; Failed when
// cert-manager says the last issuance failed (Issuing=False reason Failed,
// or a lastFailureTime while not Ready), with its message as the reason;
// Pending otherwise (not deployed yet, no Certificate yet, issuance under
// way, or cert-manager not installed), with why.
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace sb::op {

struct DomainInputs {
    std::vector<const boost::json::object*> ingresses;  // the app's
    // The Certificate named `name` in the app's namespace, or nullptr.
    std::function<const boost::json::object*(std::string_view name)> certificate;
    bool certificates_api = false;  // cert-manager's Certificate API is served (and watched)
    std::string cluster_issuer;     // "" = no TLS
    std::string default_host;       // "" = none
};

struct DomainReport {
    boost::json::array domains;  // [{host, default, certificate, secretName, reason, notAfter}]
    std::string dns_target;      // the first Ingress load-balancer IP or host name
};

// Hosts in order: spec.domains, the default host, then any other host an
// Ingress of the app serves (from helmValues).
DomainReport domain_report(const boost::json::object& app, const DomainInputs& inputs);

struct CertificateState {
    std::string state;  // Pending | Issued | Failed
    std::string reason;
    std::string not_after;
};
// What a cert-manager.io/v1 Certificate says about itself.
CertificateState certificate_state(const boost::json::object& certificate);

// Keeps of a Certificate only what certificate_state and the event mapping
// read (the informer's cache holds this).
void slim_certificate(boost::json::object& certificate);

}  // namespace sb::op
