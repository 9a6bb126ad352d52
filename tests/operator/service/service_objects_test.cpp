#include "operator/service/service_objects.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace json = boost::json;
using namespace sb::op::service;

namespace {
json::object service(const std::string& type, const std::string& extra = "") {
    return json::parse(R"({"metadata":{"name":"main-db","namespace":"proj","uid":"s1"},"spec":{"type":")" + type + "\"" +
                       extra + "}}")
        .as_object();
}
std::string decode(const json::object& secret, const std::string& key) {
    // Round trip through read_credentials' decoder via a one-key secret.
    json::object s{{"data", {{"password", secret.at("data").at(key)}}}};
    return read_credentials(s).password;
}
}  // namespace

TEST(ServiceObjects, PostgresConnectionSecretAndChart) {
    auto svc = service("postgres", R"(,"version":"16.4","storage":{"size":"5Gi"})");
    auto creds = default_credentials("postgres", "main-db", "s3cret");
    EXPECT_EQ(creds.username, "main_db");
    auto conn = connection_secret(svc, creds);
    EXPECT_EQ(conn.at("metadata").at("name").as_string(), "main-db-connection");
    EXPECT_EQ(decode(conn, "DATABASE_URL"), "postgres://main_db:s3cret@main-db.proj.svc.cluster.local:5432/main_db");
    EXPECT_EQ(decode(conn, "PORT"), "5432");
    auto chart = service_helm_chart(svc, ServiceConfig{});
    EXPECT_EQ(chart.at("spec").at("failurePolicy").as_string(), "abort");
    EXPECT_EQ(chart.at("spec").at("chart").as_string(), "postgres");
    const std::string values(chart.at("spec").at("valuesContent").as_string());
    EXPECT_EQ(values.find("s3cret"), std::string::npos) << "no password in the HelmChart";
    auto v = json::parse(values).as_object();
    EXPECT_EQ(v.at("settings").at("existingSecret").as_string(), "main-db-credentials");
    EXPECT_EQ(v.at("image").at("tag").as_string(), "16.4");
    EXPECT_EQ(v.at("storage").at("requestedSize").as_string(), "5Gi");
    EXPECT_EQ(chart.at("metadata").at("ownerReferences").at(0).at("kind").as_string(), "Service");
}

TEST(ServiceObjects, RedisUrlAndUserValuesWin) {
    auto svc = service("redis", R"(,"values":{"storage":{"requestedSize":"2Gi"},"resources":{"limits":{"memory":"128Mi"}}})");
    auto conn = connection_secret(svc, default_credentials("redis", "main-db", "pw"));
    EXPECT_EQ(decode(conn, "REDIS_URL"), "redis://:pw@main-db.proj.svc.cluster.local:6379/0");
    auto v = service_values(svc);
    EXPECT_EQ(v.at("storage").at("requestedSize").as_string(), "2Gi");
    EXPECT_EQ(v.at("resources").at("limits").at("memory").as_string(), "128Mi");
}

TEST(ServiceObjects, CustomNeedsAChartAndPasswordsAreRandom) {
    EXPECT_THROW(chart_for(service("custom"), ServiceConfig{}), std::invalid_argument);
    auto custom = chart_for(service("custom", R"(,"chart":{"repo":"oci://r.example.com/c","name":"thing","version":"1.0.0"})"),
                            ServiceConfig{});
    EXPECT_EQ(custom.name, "thing");
    auto a = generate_password(), b = generate_password();
    EXPECT_EQ(a.size(), 32u);
    EXPECT_NE(a, b);
    auto creds = default_credentials("mysql", "db", "pw");
    auto round = read_credentials(credentials_secret(service("mysql"), creds));
    EXPECT_EQ(round.password, "pw");
    EXPECT_EQ(round.username, "db");
}
