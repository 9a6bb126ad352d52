// An app's hosts as the operator reports them (status.domains, dnsTarget)
// against a real kube-apiserver, with cert-manager's part played by the test:
// the Certificate CRD (tests/operator/testdata) installed before the operator
// starts, Ingresses as the deploy chart renders them (one per host, TLS Secret
// per host), their load-balancer status set as an ingress controller would,
// and Certificates as ingress-shim makes them (owned by the Ingress, named
// after the Secret) with the conditions cert-manager writes.
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "operator/app/certificate_api.hpp"
#include "operator/common/crd_types.hpp"
#include "operator/common/yaml_json.hpp"
#include "operator/helm/helm_values.hpp"
#include "tests/operator/support/operator_fixture.hpp"
#include "tests/support/scratch.hpp"

namespace sb::optest {
namespace {

using namespace std::chrono_literals;
using sb::get_string;
namespace crds = op::crds;

constexpr const char* kIssuer = "letsencrypt-test";
constexpr const char* kBaseDomain = "apps.example.org";

class OperatorDomainsTest : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        auto& cp = testenv::LocalControlPlane::shared();
        scratch_ = new testenv::ScratchDir("operator-domains");
        admin_ = new SyncKube(cp.admin_kubeconfig());
        install_crds_from_source(*admin_);
        for (auto& crd : op::parse_yaml_manifests(
                 testenv::read_file(SB_OPERATOR_TESTDATA "/cert-manager-certificate-crd.yaml"), "certificate crd"))
            admin_->apply(kube::resources::customresourcedefinitions, crd);
        ASSERT_TRUE(eventually([] {
            try {
                admin_->list(op::certificates, "default");
                return true;
            } catch (const std::exception&) {
                return false;
            }
        }));
        create_registry_secret(*admin_);
        auto kubeconfig = operator_service_account_kubeconfig(*admin_, cp, scratch_->path());
        operator_ = new OperatorProcess(kubeconfig, *scratch_ / "operator.log",
                                        {"--default-registry", "registry.local:5000", "--lease-namespace", "shapeblock",
                                         "--cluster-issuer", kIssuer, "--default-domain", kBaseDomain,
                                         "--ingress-class", "traefik"});
        operator_->start();
        admin_->create(crds::projects, json::parse(project_json("shop")).as_object());
        ASSERT_TRUE(eventually([] {
            auto p = admin_->try_get(crds::projects, "", "shop");
            return p && get_string(*p, "status.phase") == "Active";
        }));
    }
    static void TearDownTestSuite() {
        operator_->stop();
        delete operator_;
        delete admin_;
        delete scratch_;
    }
    void TearDown() override {
        if (HasFailure()) {
            auto log = operator_->log();
            std::cerr << "---- operator log (tail) ----\n" << (log.size() > 6000 ? log.substr(log.size() - 6000) : log) << "\n";
        }
    }

    // The Ingress the chart renders for one host of app "web" (names from helm_values).
    static json::object create_ingress(const std::string& host) {
        const auto name = op::helm::host_ingress_name("web", host);
        auto ingress = json::parse(R"({"apiVersion":"networking.k8s.io/v1","kind":"Ingress",
            "metadata":{"namespace":"shop","labels":{"shapeblock.io/app":"web","app.kubernetes.io/instance":"web"},
                        "annotations":{"cert-manager.io/cluster-issuer":"letsencrypt-test","kubernetes.io/tls-acme":"true"}},
            "spec":{"ingressClassName":"traefik","rules":[{"http":{"paths":[{"path":"/","pathType":"Prefix",
                "backend":{"service":{"name":"web","port":{"number":80}}}}]}}]}})")
                           .as_object();
        ingress["metadata"].as_object()["name"] = name;
        ingress["spec"].as_object()["rules"].as_array()[0].as_object()["host"] = host;
        ingress["spec"].as_object()["tls"] =
            json::array{json::object{{"hosts", json::array{json::value(host)}}, {"secretName", name + "-tls"}}};
        return admin_->create(op::ingresses, std::move(ingress));
    }

    static void set_load_balancer(const std::string& ingress, const std::string& ip) {
        auto patch = json::parse(R"({"status":{"loadBalancer":{"ingress":[{"ip":")" + ip + R"("}]}}})");
        admin_->run(admin_->client().merge_patch(op::ingresses, "shop", ingress, patch, "status", {}));
    }

    // What ingress-shim makes for the Ingress's TLS Secret.
    static void create_certificate(const json::object& ingress) {
        const auto secret = get_string(ingress.at("spec").at("tls").at(0).as_object(), "secretName");
        json::object cert{{"apiVersion", "cert-manager.io/v1"},
                          {"kind", "Certificate"},
                          {"metadata",
                           {{"name", secret},
                            {"namespace", "shop"},
                            {"ownerReferences",
                             json::array{{{"apiVersion", "networking.k8s.io/v1"},
                                          {"kind", "Ingress"},
                                          {"name", get_string(ingress, "metadata.name")},
                                          {"uid", get_string(ingress, "metadata.uid")},
                                          {"controller", true},
                                          {"blockOwnerDeletion", true}}}}}},
                          {"spec",
                           {{"secretName", secret},
                            {"dnsNames", ingress.at("spec").at("tls").at(0).at("hosts")},
                            {"issuerRef", {{"name", kIssuer}, {"kind", "ClusterIssuer"}, {"group", "cert-manager.io"}}}}}};
        admin_->create(op::certificates, std::move(cert));
    }

    static void set_certificate_status(const std::string& name, const std::string& status) {
        admin_->run(admin_->client().merge_patch(op::certificates, "shop", name,
                                                 json::parse(R"({"status":)" + status + "}"), "status", {}));
    }

    static const json::object* domain(const json::object& app, const std::string& host) {
        if (const auto* list = find_array(app, "status.domains"))
            for (const auto& d : *list)
                if (get_string(d.as_object(), "host") == host) return &d.as_object();
        return nullptr;
    }
    static std::string certificate_of(const std::string& host) {
        auto app = admin_->get(crds::apps, "shop", "web");
        const auto* d = domain(app, host);
        return d ? get_string(*d, "certificate") : "";
    }

    static inline testenv::ScratchDir* scratch_ = nullptr;
    static inline SyncKube* admin_ = nullptr;
    static inline OperatorProcess* operator_ = nullptr;
};

TEST_F(OperatorDomainsTest, HostsDnsTargetAndCertificateStatesFollowTheCluster) {
    admin_->create(crds::apps, json::parse(R"({"apiVersion":"apps.shapeblock.io/v1alpha1","kind":"App",
        "metadata":{"name":"web","namespace":"shop"},
        "spec":{"git":{"url":"https://git.example.com/shop/web.git"},"domains":["shop.example.com"]}})")
                                   .as_object());
    const std::string custom = "shop.example.com";
    const std::string generated = std::string("web-shop.") + kBaseDomain;

    // Before any deploy: both hosts listed, the default one marked, nothing served yet.
    ASSERT_TRUE(eventually([&] { return certificate_of(custom) == "Pending" && certificate_of(generated) == "Pending"; }))
        << json::serialize(admin_->get(crds::apps, "shop", "web").at("status"));
    {
        auto app = admin_->get(crds::apps, "shop", "web");
        EXPECT_FALSE(domain(app, custom)->at("default").as_bool());
        EXPECT_TRUE(domain(app, generated)->at("default").as_bool());
        EXPECT_NE(get_string(*domain(app, custom), "reason").find("not served yet"), std::string::npos);
        EXPECT_EQ(get_string(app, "status.dnsTarget"), "");
    }

    // The chart's Ingresses appear; the controller publishes its address.
    auto custom_ingress = create_ingress(custom);
    auto generated_ingress = create_ingress(generated);
    set_load_balancer(get_string(custom_ingress, "metadata.name"), "203.0.113.10");
    ASSERT_TRUE(eventually([&] {
        return get_string(admin_->get(crds::apps, "shop", "web"), "status.dnsTarget") == "203.0.113.10";
    }));
    {
        auto app = admin_->get(crds::apps, "shop", "web");
        EXPECT_EQ(get_string(*domain(app, custom), "secretName"), "web-shop.example.com-tls");
        EXPECT_NE(get_string(*domain(app, custom), "reason").find("waiting for cert-manager"), std::string::npos);
    }

    // ingress-shim makes the Certificates; cert-manager issues one and fails the other.
    create_certificate(custom_ingress);
    create_certificate(generated_ingress);
    set_certificate_status("web-shop.example.com-tls",
                           R"({"conditions":[{"type":"Ready","status":"True","reason":"Ready","message":"Certificate is up to date and has not expired",
                               "lastTransitionTime":"2026-12-03T20:00:00Z"}],"notAfter":"2027-03-03T20:00:00Z"})");
    const std::string acme = "The certificate request has failed to complete and will be retried: order is in \"invalid\" "
                             "state: urn:ietf:params:acme:error:dns: NXDOMAIN looking up A for " + generated;
    set_certificate_status(op::helm::host_ingress_name("web", generated) + "-tls",
                           R"({"conditions":[{"type":"Ready","status":"False","reason":"DoesNotExist","message":"Issuing certificate as Secret does not exist","lastTransitionTime":"2026-12-03T20:00:00Z"},
                               {"type":"Issuing","status":"False","reason":"Failed","message":)" +
                               json::serialize(json::value(acme)) +
                               R"(,"lastTransitionTime":"2026-12-03T20:00:00Z"}],"lastFailureTime":"2026-12-03T20:00:00Z"})");
    ASSERT_TRUE(eventually([&] { return certificate_of(custom) == "Issued" && certificate_of(generated) == "Failed"; }))
        << json::serialize(admin_->get(crds::apps, "shop", "web").at("status"));
    auto app = admin_->get(crds::apps, "shop", "web");
    EXPECT_EQ(get_string(*domain(app, custom), "notAfter"), "2027-03-03T20:00:00Z");
    EXPECT_EQ(get_string(*domain(app, generated), "reason"), acme);
    EXPECT_EQ(get_string(*domain(app, generated), "secretName"), op::helm::host_ingress_name("web", generated) + "-tls");

    // Renewal done: the failed one is issued too.
    set_certificate_status(op::helm::host_ingress_name("web", generated) + "-tls",
                           R"({"conditions":[{"type":"Ready","status":"True","reason":"Ready","lastTransitionTime":"2026-12-03T20:05:00Z"},
                               {"type":"Issuing","status":"False","reason":"Failed","message":"x","lastTransitionTime":"2026-12-03T20:00:00Z"}],
                               "lastFailureTime":null,"notAfter":"2027-03-03T20:05:00Z"})");
    EXPECT_TRUE(eventually([&] { return certificate_of(generated) == "Issued"; }));

    // No permission was missing (the operator runs with the chart's RBAC).
    const auto log = operator_->log();
    EXPECT_EQ(log.find("orbidden"), std::string::npos);
    std::cout << "operator RSS with the Certificate and Ingress informers: " << operator_->rss_kib() << " KiB\n";
}

}  // namespace
}  // namespace sb::optest
