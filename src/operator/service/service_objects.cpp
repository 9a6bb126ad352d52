#include "operator/service/service_objects.hpp"

#include <boost/json/array.hpp>
#include <sodium.h>
#include <stdexcept>

#include "operator/common/crd_types.hpp"
#include "operator/helm/helm_values.hpp"
#include "common/base64.hpp"

namespace sb::op::service {

namespace json = boost::json;
using sb::base64_encode;

namespace {

json::object owned_metadata(const json::object& service, const std::string& name) {
    json::object owner{{"apiVersion", "apps.shapeblock.io/v1alpha1"},
                       {"kind", "Service"},
                       {"name", get_string(service, "metadata.name")},
                       {"uid", get_string(service, "metadata.uid")},
                       {"controller", true},
                       {"blockOwnerDeletion", true}};
    return {{"name", name},
            {"namespace", get_string(service, "metadata.namespace")},
            {"labels", {{"app.kubernetes.io/managed-by", "shapeblock"}, {"shapeblock.io/service", get_string(service, "metadata.name")}}},
            {"ownerReferences", json::array{std::move(owner)}}};
}

// A chart value read from the existing secret under this key.
json::object secret_key(std::string_view key) { return {{"secretKey", key}}; }

}  // namespace

std::string credentials_secret_name(std::string_view service) { return std::string(service) + "-credentials"; }
std::string connection_secret_name(std::string_view service) { return std::string(service) + "-connection"; }

std::string generate_password(std::size_t length) {
    static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    if (sodium_init() < 0) throw std::runtime_error("libsodium failed to initialise");
    std::string out;
    for (std::size_t i = 0; i < length; ++i) out += alphabet[randombytes_uniform(sizeof(alphabet) - 1)];
    return out;
}

Credentials default_credentials(std::string_view type, std::string_view service, std::string password) {
    Credentials c;
    c.password = std::move(password);
    if (type == "redis") return c;
    std::string name(service);
    for (auto& ch : name)
        if (ch == '-') ch = '_';
    c.username = type == "rabbitmq" ? "app" : name;
    c.database = type == "rabbitmq" ? "/" : name;
    return c;
}

ChartRef chart_for(const json::object& service, const ServiceConfig& config) {
    const auto type = get_string(service, "spec.type");
    ChartRef ref;
    if (auto it = config.charts.find(type); it != config.charts.end()) ref = it->second;
    if (const auto* chart = find_object(service, "spec.chart")) {
        if (auto r = get_string(*chart, "repo"); !r.empty()) ref.repo = r;
        if (auto n = get_string(*chart, "name"); !n.empty()) ref.name = n;
        if (auto v = get_string(*chart, "version"); !v.empty()) ref.version = v;
    }
    if (ref.name.empty() || ref.repo.empty())
        throw std::invalid_argument(type == "custom" ? "a custom service needs spec.chart with repo and name"
                                                     : "no chart is configured for service type '" + type + "'");
    return ref;
}

std::string service_host(const json::object& service) {
    return get_string(service, "metadata.name") + "." + get_string(service, "metadata.namespace") + ".svc.cluster.local";
}

int service_port(std::string_view type) {
    if (type == "postgres") return 5432;
    if (type == "mysql") return 3306;
    if (type == "redis") return 6379;
    if (type == "mongodb") return 27017;
    if (type == "rabbitmq") return 5672;
    return 0;
}

json::object credentials_secret(const json::object& service, const Credentials& c) {
    json::object data{{"username", base64_encode(c.username)},
                      {"password", base64_encode(c.password)},
                      {"database", base64_encode(c.database)},
                      // The superuser shares the generated password; charts read it by key.
                      {"superuser-password", base64_encode(c.password)}};
    if (get_string(service, "spec.type") == "mongodb") {
        // The mongo image's entrypoint creates this root user (in admin) and database.
        data["MONGO_INITDB_ROOT_USERNAME"] = base64_encode(c.username);
        data["MONGO_INITDB_ROOT_PASSWORD"] = base64_encode(c.password);
        data["MONGO_INITDB_DATABASE"] = base64_encode(c.database);
    }
    return {{"apiVersion", "v1"},
            {"kind", "Secret"},
            {"metadata", owned_metadata(service, credentials_secret_name(get_string(service, "metadata.name")))},
            {"type", "Opaque"},
            {"data", std::move(data)}};
}

Credentials read_credentials(const json::object& secret) {
    Credentials c;
    if (const auto* data = find_object(secret, "data")) {
        c.username = sb::base64_decode(get_string(*data, "username"));
        c.password = sb::base64_decode(get_string(*data, "password"));
        c.database = sb::base64_decode(get_string(*data, "database"));
    }
    return c;
}

json::object connection_secret(const json::object& service, const Credentials& c) {
    const auto type = get_string(service, "spec.type");
    const auto host = service_host(service);
    const auto port = std::to_string(service_port(type));
    json::object data{{"HOST", base64_encode(host)}, {"PORT", base64_encode(port)}, {"PASSWORD", base64_encode(c.password)}};
    if (!c.username.empty()) data["USERNAME"] = base64_encode(c.username);
    if (!c.database.empty()) data["DATABASE"] = base64_encode(c.database);
    const std::string auth = c.username + ":" + c.password + "@";
    if (type == "postgres") data["DATABASE_URL"] = base64_encode("postgres://" + auth + host + ":" + port + "/" + c.database);
    else if (type == "mysql") data["DATABASE_URL"] = base64_encode("mysql://" + auth + host + ":" + port + "/" + c.database);
    else if (type == "mongodb") data["MONGODB_URL"] = base64_encode("mongodb://" + auth + host + ":" + port + "/" + c.database + "?authSource=admin");
    else if (type == "redis") data["REDIS_URL"] = base64_encode("redis://:" + c.password + "@" + host + ":" + port + "/0");
    else if (type == "rabbitmq") data["AMQP_URL"] = base64_encode("amqp://" + auth + host + ":" + port + "/%2F");
    return {{"apiVersion", "v1"},
            {"kind", "Secret"},
            {"metadata", owned_metadata(service, connection_secret_name(get_string(service, "metadata.name")))},
            {"type", "Opaque"},
            {"data", std::move(data)}};
}

json::object service_values(const json::object& service) {
    const auto type = get_string(service, "spec.type");
    const auto name = get_string(service, "metadata.name");
    const auto creds = credentials_secret_name(name);
    json::object values{{"fullnameOverride", name}};
    if (auto version = get_string(service, "spec.version"); !version.empty())
        values["image"] = json::object{{"tag", version}};
    json::object storage;
    if (const auto* s = find_object(service, "spec.storage")) {
        if (auto* size = s->if_contains("size")) storage["requestedSize"] = *size;
        if (auto cls = get_string(*s, "storageClassName"); !cls.empty()) storage["className"] = cls;
    }
    if (!storage.contains("requestedSize")) storage["requestedSize"] = "1Gi";
    values["storage"] = std::move(storage);

    // The charts read passwords from our Secret by key: nothing secret in the HelmChart.
    auto from_secret = [](std::string_view key) { return secret_key(key); };
    if (type == "postgres" || type == "mysql") {
        json::object settings{{"existingSecret", creds}};
        if (type == "postgres") settings["superuserPassword"] = from_secret("superuser-password");
        else settings["rootPassword"] = from_secret("superuser-password");
        values["settings"] = std::move(settings);
        values["userDatabase"] = json::object{{"existingSecret", creds},
                                              {"name", from_secret("database")},
                                              {"user", from_secret("username")},
                                              {"password", from_secret("password")}};
    } else if (type == "mongodb") {
        // The chart's settings/userDatabase take only literal values (it would
        // write the password into a Secret of its own): the container reads
        // the MONGO_INITDB_* variables from our Secret instead.
        values["extraEnvSecrets"] = json::array{json::value(creds)};
    } else if (type == "redis") {
        auto password = [&](std::string_view variable) {
            return json::object{{"name", variable},
                                {"valueFrom", {{"secretKeyRef", {{"name", creds}, {"key", "password"}}}}}};
        };
        // REDISCLI_AUTH: the chart's probes run `redis-cli ping`, which must authenticate.
        values["env"] = json::array{password("REDIS_PASSWORD"), password("REDISCLI_AUTH")};
        values["args"] = json::array{"--requirepass", "$(REDIS_PASSWORD)"};
        // A StatefulSet (the chart's default is a Deployment without HA): the
        // operator follows a service's StatefulSets to report it Ready.
        values["useDeploymentWhenNonHA"] = false;
    } else if (type == "rabbitmq") {
        values["authentication"] = json::object{{"existingSecret", creds},
                                                {"user", from_secret("username")},
                                                {"password", from_secret("password")}};
    }
    if (const auto* user = find_object(service, "spec.values")) return helm::deep_merge(values, *user).as_object();
    return values;
}

json::object service_helm_chart(const json::object& service, const ServiceConfig& config) {
    const auto chart = chart_for(service, config);
    const auto name = get_string(service, "metadata.name");
    json::object spec{{"chart", chart.name},
                      {"targetNamespace", get_string(service, "metadata.namespace")},
                      {"valuesContent", helm::values_text(service_values(service))},
                      {"backOffLimit", config.backoff_limit},
                      {"timeout", config.timeout},
                      {"failurePolicy", config.failure_policy}};
    if (!chart.version.empty()) spec["version"] = chart.version;
    if (chart.repo.rfind("oci://", 0) == 0) spec["chart"] = chart.repo + "/" + chart.name;
    else spec["repo"] = chart.repo;
    return {{"apiVersion", "helm.cattle.io/v1"},
            {"kind", "HelmChart"},
            {"metadata", owned_metadata(service, name)},
            {"spec", std::move(spec)}};
}

}  // namespace sb::op::service
