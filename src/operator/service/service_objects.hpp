#pragma once
// What a ShapeBlock Service becomes: a HelmChart (pinned, configurable chart
// per type; official upstream images through groundhog2k's charts), a
// credentials Secret (generated once, referenced by the chart as an
// existing secret, never copied into status or logs), and a connection
// Secret with the conventional variables apps receive through envFrom.
// Pure functions.
#include <boost/json/object.hpp>
#include <map>
#include <string>
#include <string_view>

namespace sb::op::service {

struct ChartRef {
    std::string repo;     // https chart repository or oci:// registry
    std::string name;
    std::string version;  // pinned
};

struct ServiceConfig {
    // Per type (postgres, mysql, redis, mongodb, rabbitmq). `custom` needs spec.chart.
    std::map<std::string, ChartRef, std::less<>> charts{
        {"postgres", {"https://groundhog2k.github.io/helm-charts/", "postgres", "1.5.5"}},
        {"mysql", {"https://groundhog2k.github.io/helm-charts/", "mysql", "3.0.5"}},
        {"redis", {"https://groundhog2k.github.io/helm-charts/", "redis", "2.0.4"}},
        // The newest release of groundhog2k's mongodb chart (it has no 1.x).
        {"mongodb", {"https://groundhog2k.github.io/helm-charts/", "mongodb", "0.7.12"}},
        {"rabbitmq", {"https://groundhog2k.github.io/helm-charts/", "rabbitmq", "2.1.6"}},
    };
    std::string default_storage = "1Gi";
    std::string timeout = "10m0s";
    std::int64_t backoff_limit = 3;
    // Stateful services never get reinstalled on failure: that would wipe data.
    std::string failure_policy = "abort";
};

struct Credentials {
    std::string username;
    std::string password;
    std::string database;
};

inline constexpr std::string_view kServiceFinalizer = "shapeblock.io/service";

std::string credentials_secret_name(std::string_view service);
std::string connection_secret_name(std::string_view service);

// A random password of URL-safe characters (libsodium's CSPRNG).
std::string generate_password(std::size_t length = 32);

// Default user / database names of a service type.
Credentials default_credentials(std::string_view type, std::string_view service, std::string password);

// Throws std::invalid_argument for a custom service without spec.chart or an unknown type.
ChartRef chart_for(const boost::json::object& service, const ServiceConfig& config);

// The credentials Secret (owned by the Service): username, password,
// database, superuser-password; for mongodb also the MONGO_INITDB_* variables
// its chart reads from it (extraEnvSecrets: that chart takes no secret keys).
boost::json::object credentials_secret(const boost::json::object& service, const Credentials& credentials);
// Reads credentials back from the Secret's data (base64).
Credentials read_credentials(const boost::json::object& secret);
// The connection Secret: DATABASE_URL or REDIS_URL/AMQP_URL/MONGODB_URL, HOST, PORT, USERNAME, PASSWORD, DATABASE.
boost::json::object connection_secret(const boost::json::object& service, const Credentials& credentials);
// Host and port the service answers on inside the cluster.
std::string service_host(const boost::json::object& service);
int service_port(std::string_view type);

// The chart values (generated, then spec.values merged over them).
boost::json::object service_values(const boost::json::object& service);
// The HelmChart (owned by the Service).
boost::json::object service_helm_chart(const boost::json::object& service, const ServiceConfig& config);

}  // namespace sb::op::service
