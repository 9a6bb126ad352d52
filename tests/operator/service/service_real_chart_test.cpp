// Each service type's values, rendered by its real groundhog2k chart
// (../shared/charts): what the operator writes into the binding Secret
// (host, port, user, database, password) must be what the rendered chart
// creates — the Service's name and port, and the Secret keys the database
// container reads — and the StatefulSet the operator follows must be there.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <map>
#include <set>

#include "common/base64.hpp"
#include "common/json_fields.hpp"
#include "operator/service/service_objects.hpp"
#include "tests/operator/support/real_chart.hpp"

namespace {

namespace json = boost::json;
using namespace sb::op::service;
using namespace sb::op::testing;
using sb::find_array;
using sb::get_string;

constexpr const char* kNamespace = "shop";

json::object service(std::string_view type, std::string_view name) {
    auto svc = json::parse(R"({"apiVersion":"apps.shapeblock.io/v1alpha1","kind":"Service",
        "metadata":{"namespace":"shop","uid":"s-1"},"spec":{}})").as_object();
    svc["metadata"].as_object()["name"] = name;
    svc["spec"].as_object()["type"] = type;
    return svc;
}

std::string chart_file(std::string_view type) {
    static const std::map<std::string, std::string, std::less<>> files{
        {"postgres", "postgres-1.5.5.tgz"}, {"mysql", "mysql-3.0.5.tgz"},       {"redis", "redis-2.0.4.tgz"},
        {"mongodb", "mongodb-0.7.12.tgz"},  {"rabbitmq", "rabbitmq-2.1.6.tgz"},
    };
    return files.find(type)->second;
}

std::string decoded(const json::object& secret, std::string_view key) {
    return sb::base64_decode(get_string(secret.at("data").as_object(), key));
}

// Every container of the rendered StatefulSet (init containers included).
std::vector<const json::object*> containers_of(const json::object& statefulset) {
    std::vector<const json::object*> out;
    const auto& pod = statefulset.at("spec").at("template").at("spec").as_object();
    for (const char* list : {"initContainers", "containers"})
        if (const auto* items = find_array(pod, list))
            for (const auto& c : *items) out.push_back(&c.as_object());
    return out;
}

// name -> "secret/key" for env read from Secrets, and the envFrom Secrets, of the main container.
struct SecretReads {
    std::map<std::string, std::string> env;
    std::set<std::string> env_from;
};
SecretReads secret_reads(const json::object& container) {
    SecretReads out;
    if (const auto* env = find_array(container, "env"))
        for (const auto& e : *env) {
            const auto& o = e.as_object();
            auto secret = get_string(o, "valueFrom.secretKeyRef.name");
            if (!secret.empty()) out.env[get_string(o, "name")] = secret + "/" + get_string(o, "valueFrom.secretKeyRef.key");
        }
    if (const auto* from = find_array(container, "envFrom"))
        for (const auto& f : *from)
            if (auto name = get_string(f.as_object(), "secretRef.name"); !name.empty()) out.env_from.insert(name);
    return out;
}

struct Rendered {
    json::object svc;
    Credentials credentials;
    json::object credentials_secret;
    json::object connection;
    std::vector<json::object> objects;
};

Rendered render(std::string_view type, std::string_view name) {
    Rendered r;
    r.svc = service(type, name);
    r.credentials = default_credentials(type, name, "s3cret-generated");
    r.credentials_secret = credentials_secret(r.svc, r.credentials);
    r.connection = connection_secret(r.svc, r.credentials);
    // Exactly what the HelmChart carries: its valuesContent, its chart.
    auto chart = service_helm_chart(r.svc, ServiceConfig{});
    EXPECT_EQ(get_string(chart, "spec.chart"), type);
    EXPECT_EQ(chart_file(type), std::string(type) + "-" + get_string(chart, "spec.version") + ".tgz")
        << "the operator pins another version than the real chart in ../shared/charts";
    r.objects = helm_template(shared_chart(chart_file(type)), name, kNamespace, service_values(r.svc));
    return r;
}

// The chart's Service: named like the connection Secret's HOST, on its PORT.
void expect_service_matches(const Rendered& r, std::string_view name, std::int64_t port) {
    EXPECT_EQ(decoded(r.connection, "HOST"), std::string(name) + ".shop.svc.cluster.local");
    EXPECT_EQ(decoded(r.connection, "PORT"), std::to_string(port));
    const auto& svc = rendered(r.objects, "Service", name);
    bool has_port = false;
    for (const auto& p : svc.at("spec").at("ports").as_array()) has_port |= p.at("port").as_int64() == port;
    EXPECT_TRUE(has_port) << json::serialize(svc.at("spec").at("ports"));
    // The Service selects the StatefulSet's pods.
    const auto& statefulset = rendered(r.objects, "StatefulSet", name);
    for (const auto& [k, v] : svc.at("spec").at("selector").as_object())
        EXPECT_EQ(statefulset.at("spec").at("template").at("metadata").at("labels").at(k), v) << k;
    // The operator follows the release's StatefulSets by this label.
    EXPECT_EQ(statefulset.at("metadata").at("labels").at("app.kubernetes.io/instance").as_string(), name);
}

// Each env var of the container read from our credentials Secret, by key.
void expect_reads(const SecretReads& reads, const std::map<std::string, std::string>& want, const std::string& secret) {
    for (const auto& [variable, key] : want) {
        ASSERT_TRUE(reads.env.count(variable)) << variable << " is not read from a Secret";
        EXPECT_EQ(reads.env.at(variable), secret + "/" + key) << variable;
    }
}

const json::object* container_named(const Rendered& r, std::string_view statefulset, std::string_view container) {
    for (const auto* c : containers_of(rendered(r.objects, "StatefulSet", statefulset)))
        if (get_string(*c, "name") == container) return c;
    return nullptr;
}

}  // namespace

TEST(RealServiceCharts, Postgres) {
    const auto r = render("postgres", "db");
    expect_service_matches(r, "db", 5432);
    const auto* c = container_named(r, "db", "postgres");
    ASSERT_NE(c, nullptr);
    const auto reads = secret_reads(*c);
    expect_reads(reads, {{"POSTGRES_PASSWORD", "superuser-password"}, {"POSTGRES_DB", "database"},
                         {"USERDB_USER", "username"}, {"USERDB_PASSWORD", "password"}},
                 "db-credentials");
    EXPECT_EQ(decoded(r.credentials_secret, "username"), decoded(r.connection, "USERNAME"));
    EXPECT_EQ(decoded(r.credentials_secret, "password"), decoded(r.connection, "PASSWORD"));
    EXPECT_EQ(decoded(r.credentials_secret, "database"), decoded(r.connection, "DATABASE"));
    EXPECT_EQ(decoded(r.connection, "DATABASE_URL"),
              "postgres://db:s3cret-generated@db.shop.svc.cluster.local:5432/db");
    // No password in the chart's own objects.
    EXPECT_TRUE(rendered_of_kind(r.objects, "Secret").empty());
}

TEST(RealServiceCharts, Mysql) {
    const auto r = render("mysql", "orders-db");
    expect_service_matches(r, "orders-db", 3306);
    const auto* c = container_named(r, "orders-db", "mysql");
    ASSERT_NE(c, nullptr);
    expect_reads(secret_reads(*c),
                 {{"MYSQL_ROOT_PASSWORD", "superuser-password"}, {"MYSQL_DATABASE", "database"},
                  {"MYSQL_USER", "username"}, {"MYSQL_PASSWORD", "password"}},
                 "orders-db-credentials");
    EXPECT_EQ(decoded(r.connection, "USERNAME"), "orders_db");
    EXPECT_EQ(decoded(r.connection, "DATABASE_URL"),
              "mysql://orders_db:s3cret-generated@orders-db.shop.svc.cluster.local:3306/orders_db");
    EXPECT_TRUE(rendered_of_kind(r.objects, "Secret").empty());
}

TEST(RealServiceCharts, MongodbReadsItsRootUserAndDatabaseFromOurSecret) {
    const auto r = render("mongodb", "docs");
    expect_service_matches(r, "docs", 27017);
    const auto* c = container_named(r, "docs", "mongodb");
    ASSERT_NE(c, nullptr);
    const auto reads = secret_reads(*c);
    EXPECT_TRUE(reads.env_from.count("docs-credentials"));
    // The variables the mongo image's entrypoint reads, in our Secret, agreeing with the binding.
    EXPECT_EQ(decoded(r.credentials_secret, "MONGO_INITDB_ROOT_USERNAME"), decoded(r.connection, "USERNAME"));
    EXPECT_EQ(decoded(r.credentials_secret, "MONGO_INITDB_ROOT_PASSWORD"), decoded(r.connection, "PASSWORD"));
    EXPECT_EQ(decoded(r.credentials_secret, "MONGO_INITDB_DATABASE"), decoded(r.connection, "DATABASE"));
    EXPECT_EQ(decoded(r.connection, "MONGODB_URL"),
              "mongodb://docs:s3cret-generated@docs.shop.svc.cluster.local:27017/docs?authSource=admin");
    // The chart writes no Secret with a password of its own.
    EXPECT_TRUE(rendered_of_kind(r.objects, "Secret").empty());
}

TEST(RealServiceCharts, RedisRequiresThePasswordAndItsProbesAuthenticate) {
    const auto r = render("redis", "cache");
    expect_service_matches(r, "cache", 6379);
    EXPECT_TRUE(rendered_of_kind(r.objects, "Deployment").empty()) << "redis must be a StatefulSet the operator follows";
    const auto* c = container_named(r, "cache", "redis-server");
    ASSERT_NE(c, nullptr);
    expect_reads(secret_reads(*c), {{"REDIS_PASSWORD", "password"}, {"REDISCLI_AUTH", "password"}},
                 "cache-credentials");
    const auto args = json::serialize(c->at("args"));
    EXPECT_NE(args.find(R"x("--requirepass","$(REDIS_PASSWORD)")x"), std::string::npos) << args;
    EXPECT_NE(json::serialize(c->at("readinessProbe")).find("redis-cli"), std::string::npos);
    EXPECT_EQ(decoded(r.connection, "REDIS_URL"), "redis://:s3cret-generated@cache.shop.svc.cluster.local:6379/0");
    EXPECT_EQ(decoded(r.credentials_secret, "password"), decoded(r.connection, "PASSWORD"));
}

TEST(RealServiceCharts, Rabbitmq) {
    const auto r = render("rabbitmq", "queue");
    expect_service_matches(r, "queue", 5672);
    const auto* c = container_named(r, "queue", "rabbitmq");
    ASSERT_NE(c, nullptr);
    expect_reads(secret_reads(*c), {{"RABBITMQ_DEFAULT_USER", "username"}, {"RABBITMQ_DEFAULT_PASS", "password"}},
                 "queue-credentials");
    EXPECT_EQ(decoded(r.connection, "USERNAME"), "app");
    EXPECT_EQ(decoded(r.connection, "AMQP_URL"), "amqp://app:s3cret-generated@queue.shop.svc.cluster.local:5672/%2F");
}

TEST(RealServiceCharts, StorageSizeReachesTheVolumeClaim) {
    for (const char* type : {"postgres", "mysql", "redis", "mongodb", "rabbitmq"}) {
        SCOPED_TRACE(type);
        auto svc = service(type, "data");
        svc["spec"].as_object()["storage"] = json::object{{"size", "3Gi"}};
        auto objects = helm_template(shared_chart(chart_file(type)), "data", kNamespace, service_values(svc));
        const auto text = json::serialize(json::value_from(objects));
        EXPECT_NE(text.find(R"("storage":"3Gi")"), std::string::npos);
    }
}
