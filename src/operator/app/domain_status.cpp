#include "operator/app/domain_status.hpp"

#include <algorithm>

#include "operator/common/crd_types.hpp"

namespace sb::op {

namespace json = boost::json;

namespace {

void add_unique(std::vector<std::string>& list, std::string_view value) {
    if (!value.empty() && std::find(list.begin(), list.end(), value) == list.end()) list.emplace_back(value);
}

struct Served {
    bool on_ingress = false;
    std::string tls_secret;
};

// Whether an Ingress of the app has a rule for host, and the TLS Secret covering it.
Served served(const std::vector<const json::object*>& ingresses, std::string_view host) {
    Served out;
    for (const auto* ingress : ingresses) {
        bool has_rule = false;
        if (const auto* rules = find_array(*ingress, "spec.rules"))
            for (const auto& rule : *rules)
                if (rule.is_object() && get_string(rule.get_object(), "host") == host) has_rule = true;
        if (!has_rule) continue;
        out.on_ingress = true;
        if (const auto* tls = find_array(*ingress, "spec.tls"))
            for (const auto& entry : *tls) {
                if (!entry.is_object()) continue;
                const auto* hosts = find_array(entry.get_object(), "hosts");
                if (!hosts) continue;
                for (const auto& h : *hosts)
                    if (h.is_string() && h.get_string() == host) out.tls_secret = get_string(entry.get_object(), "secretName");
            }
        if (!out.tls_secret.empty()) break;
    }
    return out;
}

std::string load_balancer_address(const json::object& ingress) {
    const auto* points = find_array(ingress, "status.loadBalancer.ingress");
    if (!points) return {};
    for (const auto& p : *points) {
        if (!p.is_object()) continue;
        auto ip = get_string(p.get_object(), "ip");
        if (!ip.empty()) return ip;
        auto hostname = get_string(p.get_object(), "hostname");
        if (!hostname.empty()) return hostname;
    }
    return {};
}

json::object domain_entry(std::string_view host, bool is_default, const Served& where, const DomainInputs& in) {
    json::object entry{{"host", host}, {"default", is_default}};
    auto set = [&](std::string_view state, std::string_view reason) {
        entry["certificate"] = state;
        if (!reason.empty()) entry["reason"] = reason;
    };
    if (in.cluster_issuer.empty()) {
        set("None", "");
        return entry;
    }
    if (!where.on_ingress) {
        set("Pending", "not served yet: the app's next deploy adds it to its Ingress");
        return entry;
    }
    if (where.tls_secret.empty()) {
        set("None", "its Ingress asks for no TLS");
        return entry;
    }
    entry["secretName"] = where.tls_secret;
    if (!in.certificates_api) {
        set("Pending", "cert-manager is not installed in the cluster (no certificates.cert-manager.io API), so "
                       "no certificate is issued; install cert-manager and restart the operator");
        return entry;
    }
    const auto* certificate = in.certificate ? in.certificate(where.tls_secret) : nullptr;
    if (!certificate) {
        set("Pending", "waiting for cert-manager to create Certificate " + where.tls_secret + " (ClusterIssuer " +
                           in.cluster_issuer + ")");
        return entry;
    }
    auto state = certificate_state(*certificate);
    set(state.state, state.reason);
    if (!state.not_after.empty()) entry["notAfter"] = state.not_after;
    return entry;
}

}  // namespace

CertificateState certificate_state(const json::object& certificate) {
    CertificateState out;
    out.not_after = get_string(certificate, "status.notAfter");
    const json::array empty;
    const auto* conditions = find_array(certificate, "status.conditions");
    if (!conditions) conditions = &empty;
    const auto* ready = find_condition(*conditions, "Ready");
    const auto* issuing = find_condition(*conditions, "Issuing");
    auto field = [](const json::object* c, std::string_view k) { return c ? get_string(*c, k) : std::string(); };
    if (field(ready, "status") == "True") {
        out.state = "Issued";
        return out;
    }
    const bool issuance_failed = (field(issuing, "status") == "False" && field(issuing, "reason") == "Failed") ||
                                 !get_string(certificate, "status.lastFailureTime").empty();
    if (issuance_failed) {
        out.state = "Failed";
        out.reason = field(issuing, "reason") == "Failed" ? field(issuing, "message") : field(ready, "message");
        if (out.reason.empty()) out.reason = "cert-manager reports the last issuance failed";
        return out;
    }
    out.state = "Pending";
    out.reason = field(ready, "message");
    if (out.reason.empty()) out.reason = field(issuing, "message");
    if (out.reason.empty()) out.reason = "cert-manager has not reported on the certificate yet";
    return out;
}

void slim_certificate(json::object& certificate) {
    json::object meta;
    if (const auto* m = find_object(certificate, "metadata"))
        for (std::string_view k : {"name", "namespace", "uid", "resourceVersion", "generation", "ownerReferences"})
            if (auto* v = m->if_contains(k)) meta[k] = *v;
    json::object status;
    if (const auto* s = find_object(certificate, "status"))
        for (std::string_view k : {"conditions", "notAfter", "lastFailureTime"})
            if (auto* v = s->if_contains(k)) status[k] = *v;
    json::object slim{{"metadata", std::move(meta)}, {"status", std::move(status)}};
    if (auto* v = certificate.if_contains("apiVersion")) slim["apiVersion"] = *v;
    if (auto* v = certificate.if_contains("kind")) slim["kind"] = *v;
    certificate = std::move(slim);
}

DomainReport domain_report(const json::object& app, const DomainInputs& in) {
    std::vector<std::string> hosts;
    if (const auto* domains = find_array(app, "spec.domains"))
        for (const auto& d : *domains)
            if (d.is_string()) add_unique(hosts, d.get_string());
    add_unique(hosts, in.default_host);
    for (const auto* ingress : in.ingresses)
        if (const auto* rules = find_array(*ingress, "spec.rules"))
            for (const auto& rule : *rules)
                if (rule.is_object()) add_unique(hosts, get_string(rule.get_object(), "host"));

    DomainReport report;
    for (const auto& host : hosts)
        report.domains.push_back(domain_entry(host, host == in.default_host, served(in.ingresses, host), in));
    for (const auto* ingress : in.ingresses) {
        report.dns_target = load_balancer_address(*ingress);
        if (!report.dns_target.empty()) break;
    }
    return report;
}

}  // namespace sb::op
