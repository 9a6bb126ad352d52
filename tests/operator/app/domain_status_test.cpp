#include "operator/app/domain_status.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <map>

namespace {

namespace json = boost::json;
using namespace sb::op;

json::object app(std::string_view domains) {
    auto a = json::parse(R"({"metadata":{"name":"web","namespace":"shop"},"spec":{}})").as_object();
    a["spec"].as_object()["domains"] = json::parse(domains);
    return a;
}

// An Ingress as the deploy chart renders it for one host, with TLS when secret is set.
json::object ingress(std::string_view host, std::string_view secret, std::string_view lb_ip = "") {
    json::object i{{"metadata", {{"name", "web-" + std::string(host)}, {"namespace", "shop"}}},
                   {"spec", {{"rules", json::array{{{"host", host}}}}}}};
    if (!secret.empty())
        i["spec"].as_object()["tls"] = json::array{{{"hosts", json::array{json::value(host)}}, {"secretName", secret}}};
    if (!lb_ip.empty())
        i["status"] = json::object{{"loadBalancer", {{"ingress", json::array{{{"ip", lb_ip}}}}}}};
    return i;
}

json::object certificate(std::string_view conditions, std::string_view extra_status = "") {
    std::string status = R"({"conditions":)" + std::string(conditions);
    if (!extra_status.empty()) status += "," + std::string(extra_status);
    status += "}";
    return json::object{{"status", json::parse(status)}};
}

struct Cluster {
    std::vector<json::object> ingresses;
    std::map<std::string, json::object> certificates;
    DomainInputs inputs(bool api = true) const {
        DomainInputs in;
        for (const auto& i : ingresses) in.ingresses.push_back(&i);
        in.certificates_api = api;
        in.certificate = [this](std::string_view name) -> const json::object* {
            auto it = certificates.find(std::string(name));
            return it == certificates.end() ? nullptr : &it->second;
        };
        in.cluster_issuer = "letsencrypt-prod";
        in.default_host = "web-shop.apps.example.org";
        return in;
    }
};

const json::object& entry(const DomainReport& r, std::string_view host) {
    for (const auto& d : r.domains)
        if (d.at("host").as_string() == host) return d.as_object();
    throw std::runtime_error("no entry for " + std::string(host));
}

}  // namespace

TEST(DomainStatus, CertificateStatesFromCertManagerConditions) {
    auto issued = certificate(R"([{"type":"Ready","status":"True","reason":"Ready"}])", R"("notAfter":"2027-03-01T00:00:00Z")");
    EXPECT_EQ(certificate_state(issued).state, "Issued");
    EXPECT_EQ(certificate_state(issued).not_after, "2027-03-01T00:00:00Z");

    auto issuing = certificate(R"([{"type":"Ready","status":"False","reason":"DoesNotExist","message":"Issuing certificate as Secret does not exist"},
        {"type":"Issuing","status":"True","reason":"DoesNotExist","message":"Issuing certificate as Secret does not exist"}])");
    EXPECT_EQ(certificate_state(issuing).state, "Pending");
    EXPECT_EQ(certificate_state(issuing).reason, "Issuing certificate as Secret does not exist");

    const std::string acme = "The certificate request has failed to complete and will be retried: Failed to wait for order "
                             "resource \"web-tls-1-1\" to become ready: order is in \"invalid\" state: 403 urn:ietf:params:acme:"
                             "error:unauthorized: Invalid response from http://shop.example.com/.well-known/acme-challenge/x";
    auto failed = certificate(R"([{"type":"Ready","status":"False","reason":"DoesNotExist","message":"Issuing certificate as Secret does not exist"},
        {"type":"Issuing","status":"False","reason":"Failed","message":)" + json::serialize(json::value(acme)) + "}]",
                              R"("lastFailureTime":"2026-12-03T20:00:00Z")");
    EXPECT_EQ(certificate_state(failed).state, "Failed");
    EXPECT_EQ(certificate_state(failed).reason, acme);

    EXPECT_EQ(certificate_state(json::object{}).state, "Pending");
    EXPECT_FALSE(certificate_state(json::object{}).reason.empty());
}

TEST(DomainStatus, EachHostWithItsCertificateAndTheLoadBalancerAsDnsTarget) {
    Cluster c;
    c.ingresses = {ingress("shop.example.com", "web-shop.example.com-tls", "203.0.113.7"),
                   ingress("web-shop.apps.example.org", "web-web-shop.apps.example.org-tls", "203.0.113.7")};
    c.certificates["web-shop.example.com-tls"] = certificate(R"([{"type":"Ready","status":"True"}])");
    auto report = domain_report(app(R"(["shop.example.com","new.example.com"])"), c.inputs());
    ASSERT_EQ(report.domains.size(), 3u);
    EXPECT_EQ(report.dns_target, "203.0.113.7");
    const auto& shop = entry(report, "shop.example.com");
    EXPECT_EQ(shop.at("certificate").as_string(), "Issued");
    EXPECT_EQ(shop.at("secretName").as_string(), "web-shop.example.com-tls");
    EXPECT_FALSE(shop.at("default").as_bool());
    // On the Ingress, but cert-manager has made no Certificate yet.
    const auto& generated = entry(report, "web-shop.apps.example.org");
    EXPECT_TRUE(generated.at("default").as_bool());
    EXPECT_EQ(generated.at("certificate").as_string(), "Pending");
    EXPECT_NE(std::string(generated.at("reason").as_string()).find("Certificate web-web-shop.apps.example.org-tls"),
              std::string::npos);
    // Asked for, not deployed yet.
    const auto& fresh = entry(report, "new.example.com");
    EXPECT_EQ(fresh.at("certificate").as_string(), "Pending");
    EXPECT_FALSE(fresh.contains("secretName"));
}

TEST(DomainStatus, LoadBalancerHostNameWhenThereIsNoIp) {
    Cluster c;
    c.ingresses = {ingress("shop.example.com", "")};
    c.ingresses[0]["status"] = json::parse(R"({"loadBalancer":{"ingress":[{"hostname":"lb-1.elb.example.net"}]}})");
    EXPECT_EQ(domain_report(app(R"(["shop.example.com"])"), c.inputs()).dns_target, "lb-1.elb.example.net");
    c.ingresses[0].erase("status");
    EXPECT_EQ(domain_report(app(R"(["shop.example.com"])"), c.inputs()).dns_target, "");
}

TEST(DomainStatus, WithoutIssuerEveryHostIsNone) {
    Cluster c;
    c.ingresses = {ingress("shop.example.com", "")};
    auto in = c.inputs();
    in.cluster_issuer.clear();
    auto report = domain_report(app(R"(["shop.example.com"])"), in);
    for (const auto& d : report.domains) EXPECT_EQ(d.at("certificate").as_string(), "None");
}

TEST(DomainStatus, WithoutCertManagerHostsArePendingAndSayWhy) {
    Cluster c;
    c.ingresses = {ingress("shop.example.com", "web-shop.example.com-tls")};
    auto report = domain_report(app(R"(["shop.example.com"])"), c.inputs(/*api=*/false));
    const auto& shop = entry(report, "shop.example.com");
    EXPECT_EQ(shop.at("certificate").as_string(), "Pending");
    EXPECT_NE(std::string(shop.at("reason").as_string()).find("cert-manager is not installed"), std::string::npos);
}

TEST(DomainStatus, HostsFromHelmValuesIngressesAreReportedToo) {
    Cluster c;
    c.ingresses = {ingress("extra.example.com", "web-extra.example.com-tls")};
    c.certificates["web-extra.example.com-tls"] = certificate(
        R"([{"type":"Ready","status":"False","reason":"Failed"},{"type":"Issuing","status":"False","reason":"Failed","message":"rate limited"}])");
    auto in = c.inputs();
    in.default_host.clear();
    auto report = domain_report(app("[]"), in);
    ASSERT_EQ(report.domains.size(), 1u);
    EXPECT_EQ(entry(report, "extra.example.com").at("certificate").as_string(), "Failed");
    EXPECT_EQ(entry(report, "extra.example.com").at("reason").as_string(), "rate limited");
}

TEST(DomainStatus, SlimCertificateKeepsWhatIsRead) {
    auto cert = json::parse(R"({"apiVersion":"cert-manager.io/v1","kind":"Certificate",
        "metadata":{"name":"c","namespace":"shop","ownerReferences":[{"kind":"Ingress","name":"i"}],
                    "annotations":{"big":"x"},"labels":{"a":"b"}},
        "spec":{"dnsNames":["a"],"secretName":"c"},
        "status":{"conditions":[{"type":"Ready","status":"True"}],"notAfter":"2027-01-01T00:00:00Z","revision":3}})")
                    .as_object();
    slim_certificate(cert);
    EXPECT_EQ(certificate_state(cert).state, "Issued");
    EXPECT_EQ(certificate_state(cert).not_after, "2027-01-01T00:00:00Z");
    EXPECT_FALSE(cert.contains("spec"));
    EXPECT_FALSE(cert.at("metadata").as_object().contains("annotations"));
    EXPECT_EQ(cert.at("metadata").at("ownerReferences").at(0).at("name").as_string(), "i");
}
