// The chart's environment is exactly what the operator reads. The Deployment
// is rendered (with the chart's defaults, and with every value that reaches
// the operator changed), its container's env is resolved as the kubelet
// would (secret and field references to test values), and the real operator
// binary is started with exactly that environment and --print-config: every
// value must arrive in the setting it is meant for, and the operator refuses
// an SB_OPERATOR_* variable it does not read, so a chart typo fails here.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <map>
#include <set>

#include "operator/common/build_images.hpp"
#include "tests/deploy/deploy_fixture.hpp"
#include "tests/deploy/json_match.hpp"
#include "tests/support/child_process.hpp"

namespace sb::deploytest {
namespace {
namespace json = boost::json;

const std::string kChart = (source_dir() / "deploy/charts/shapeblock-operator").string();
constexpr const char* kNamespace = "sb-system";
constexpr const char* kPodName = "shapeblock-operator-5d8f7c9b4-x2x7q";
constexpr const char* kSecretToken = "sba_01test_from-the-secret";

// A chart value that reaches the operator: `--set` text, the operator setting
// it must arrive in, and the value --print-config must then show.
struct ChartValue {
    std::string set;
    std::string setting;
    json::value printed;
};

// Every value the chart passes to the operator, each away from its default.
const std::vector<ChartValue> kChangedValues{
    {"registry.url=registry.example.com:5000/team", "default-registry",
     "registry.example.com:5000/team"},
    {"registry.secretName=regcred", "registry-secret-name", "regcred"},
    {"registry.secretNamespace=infra", "registry-secret-namespace", "infra"},
    {"builders.dockerfileBuilder=buildah", "dockerfile-builder", "buildah"},
    {"builders.kanikoImage=mirror.example.com/kaniko/executor:v1.25.2-debug", "kaniko-image",
     "mirror.example.com/kaniko/executor:v1.25.2-debug"},
    {"builders.buildahImage=mirror.example.com/buildah:v1.39.3", "buildah-image",
     "mirror.example.com/buildah:v1.39.3"},
    {"builders.buildpackBuilderImage=mirror.example.com/builder:0.4.470", "buildpack-builder-image",
     "mirror.example.com/builder:0.4.470"},
    {"builders.gitImage=mirror.example.com/git:v2.47.2", "git-image",
     "mirror.example.com/git:v2.47.2"},
    {"builders.sourceImage=mirror.example.com/shapeblock-operator:0.1.0", "source-image",
     "mirror.example.com/shapeblock-operator:0.1.0"},
    {"build.resources.requests.cpu=250m", "build-cpu-request", "250m"},
    {"build.resources.requests.memory=512Mi", "build-memory-request", "512Mi"},
    {"build.resources.limits.cpu=3", "build-cpu-limit", "3"},
    {"build.resources.limits.memory=3Gi", "build-memory-limit", "3Gi"},
    {"build.activeDeadlineSeconds=900", "build-deadline-seconds", 900},
    {"build.ttlSecondsAfterFinished=600", "build-ttl-seconds", 600},
    {"build.historyLimit=4", "build-history-limit", 4},
    {"build.cache=false", "build-cache", false},
    {"build.maxConcurrent=5", "max-concurrent-builds", 5},
    {"deploy.chart.repo=oci://charts.example.com/sb", "chart-repo", "oci://charts.example.com/sb"},
    {"deploy.chart.name=my-chart", "chart-name", "my-chart"},
    {"deploy.chart.version=1.2.3", "chart-version", "1.2.3"},
    {"deploy.ingressClass=nginx", "ingress-class", "nginx"},
    {"deploy.clusterIssuer=letsencrypt-staging", "cluster-issuer", "letsencrypt-staging"},
    {"deploy.defaultDomain=apps.example.org", "default-domain", "apps.example.org"},
    {"projects.networkPolicyDefault=false", "network-policy-default", false},
    {"projects.ingressNamespaces={edge,ingress}", "ingress-namespaces",
     json::array{"edge", "ingress"}},
    {"projects.containerDefaults.cpuRequest=20m", "container-cpu-request", "20m"},
    {"projects.containerDefaults.cpuLimit=250m", "container-cpu-limit", "250m"},
    {"projects.containerDefaults.memoryRequest=32Mi", "container-memory-request", "32Mi"},
    {"projects.containerDefaults.memoryLimit=256Mi", "container-memory-limit", "256Mi"},
    {"operator.logLevel=debug", "log-level", "debug"},
    {"operator.logFormat=text", "log-format", "text"},
    {"operator.concurrency=9", "concurrency", 9},
    {"operator.kubeApiQps=7.5", "api-qps", 7.5},
    {"operator.kubeApiBurst=33", "api-burst", 33},
    {"operator.leaderElection=false", "leader-elect", false},
    {"operator.metricsPort=9191", "metrics-address", "0.0.0.0:9191"},
    {"server.url=https://sb.example.com", "server-url", "https://sb.example.com"},
    {"server.agentTokenSecret.name=cluster-token", "agent-token", "set"},
};

// Settings the chart fills from the pod itself, not from a value.
const std::set<std::string> kFromThePod{"lease-namespace", "lease-name", "identity"};

std::string setting_of(const std::string& variable) {
    std::string out;
    for (char ch : variable.substr(std::string("SB_OPERATOR_").size()))
        out += ch == '_' ? '-' : static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    return out;
}

struct Rendered {
    std::vector<json::value> docs;
    json::object pod;
    std::map<std::string, std::string> env;  // resolved as the kubelet would
};

// The value of a secretKeyRef: from the chart's own Secret when it renders
// one, else a test token.
std::string secret_value(const std::vector<json::value>& docs, const json::object& ref) {
    for (const auto& d : docs)
        if (d.at("kind") == "Secret" && d.at("metadata").at("name") == ref.at("name"))
            return std::string(d.at("stringData").at(ref.at("key").as_string()).as_string());
    return kSecretToken;
}

Rendered render_operator(const std::vector<std::string>& sets) {
    std::vector<std::string> args{"template", "shapeblock-operator", kChart, "--namespace",
                                  kNamespace};
    for (const auto& s : sets) {
        args.push_back("--set");
        args.push_back(s);
    }
    Rendered r;
    r.docs = yaml_documents_to_json(run_helm(args));
    for (const auto& d : r.docs)
        if (d.at("kind") == "Deployment")
            r.pod = d.at("spec").at("template").at("spec").as_object();
    EXPECT_FALSE(r.pod.empty()) << "no Deployment rendered";
    if (r.pod.empty()) return r;
    for (const auto& e : r.pod.at("containers").as_array().at(0).at("env").as_array()) {
        const std::string name(e.at("name").as_string());
        EXPECT_FALSE(r.env.count(name)) << name << " is set twice";
        if (const auto* v = e.as_object().if_contains("value")) {
            r.env[name] = std::string(v->as_string());
        } else if (const auto* secret = e.at("valueFrom").as_object().if_contains("secretKeyRef")) {
            r.env[name] = secret_value(r.docs, secret->as_object());
        } else if (const auto* field = e.at("valueFrom").as_object().if_contains("fieldRef")) {
            const auto& path = field->at("fieldPath");
            if (path == "metadata.namespace")
                r.env[name] = kNamespace;
            else if (path == "metadata.name")
                r.env[name] = kPodName;
            else
                ADD_FAILURE() << name << ": no test value for fieldRef " << json::serialize(path);
        } else {
            ADD_FAILURE() << name << ": no test value for " << json::serialize(e);
        }
    }
    return r;
}

// The operator started with exactly `env` and --print-config: its settings.
json::object operator_settings(const std::map<std::string, std::string>& env) {
    std::vector<std::string> argv{"env", "-i"};
    for (const auto& [name, value] : env) argv.push_back(name + "=" + value);
    argv.push_back(SB_OPERATOR_BINARY);
    argv.push_back("--print-config");
    const auto out =
        testenv::run_command(argv);  // throws with the operator's error when it refuses
    return json::parse(out).as_object();
}

// Whether the printed setting is the environment variable's text as the operator reads it.
bool printed_as_given(const json::value& printed, const std::string& text,
                      const std::string& setting) {
    if (setting == "agent-token") return printed == "set" && !text.empty();
    if (printed.is_string()) return printed.as_string() == text;
    if (printed.is_bool()) return (printed.as_bool() ? "true" : "false") == text;
    if (printed.is_array()) {
        std::string joined;
        for (const auto& item : printed.as_array())
            joined += (joined.empty() ? "" : ",") + std::string(item.as_string());
        return joined == text;
    }
    if (printed.is_number()) return printed.to_number<double>() == std::stod(text);
    return false;
}

// Every SB_OPERATOR_* variable the chart sets arrived in its setting, unchanged.
void expect_every_variable_arrived(const Rendered& r, const json::object& settings) {
    for (const auto& [name, text] : r.env) {
        SCOPED_TRACE(name + "=" + text);
        ASSERT_TRUE(name.starts_with("SB_OPERATOR_"))
            << "the chart sets a variable the operator does not read";
        const auto setting = setting_of(name);
        ASSERT_TRUE(settings.contains(setting)) << "--print-config has no " << setting;
        EXPECT_TRUE(printed_as_given(settings.at(setting), text, setting))
            << json::serialize(settings.at(setting));
    }
}

TEST(ChartOperatorEnvironment, DefaultValuesAreAllReadByTheOperator) {
    const auto r = render_operator({});
    const auto settings = operator_settings(r.env);
    expect_every_variable_arrived(r, settings);
    EXPECT_EQ(settings.at("lease-namespace"), kNamespace);
    EXPECT_EQ(settings.at("identity"), kPodName);
    EXPECT_EQ(settings.at("lease-name"), "shapeblock-operator");
    EXPECT_EQ(settings.at("server-url"), "") << "no agent link unless server.url is set";
    EXPECT_EQ(settings.at("agent-token"), "");
    // The build step is a script around kaniko's executor: it needs the
    // image with a shell (/busybox/sh), the -debug variant pinned in the operator.
    EXPECT_EQ(settings.at("kaniko-image"), json::value(std::string(sb::op::build_images::kaniko)));
    EXPECT_TRUE(std::string(settings.at("kaniko-image").as_string()).ends_with("-debug"));
}

TEST(ChartOperatorEnvironment, EveryChangedValueArrivesInItsSetting) {
    std::vector<std::string> sets;
    for (const auto& v : kChangedValues) sets.push_back(v.set);
    const auto defaults = operator_settings(render_operator({}).env);
    const auto r = render_operator(sets);
    const auto settings = operator_settings(r.env);
    expect_every_variable_arrived(r, settings);

    std::set<std::string> covered = kFromThePod;
    for (const auto& v : kChangedValues) {
        SCOPED_TRACE(v.set);
        covered.insert(v.setting);
        ASSERT_TRUE(settings.contains(v.setting));
        if (v.printed.is_double())
            EXPECT_DOUBLE_EQ(settings.at(v.setting).to_number<double>(), v.printed.as_double());
        else
            EXPECT_EQ(settings.at(v.setting), v.printed);
        EXPECT_NE(defaults.at(v.setting), v.printed) << "not a change from the chart's default";
    }
    // A variable the chart gains must be added above, with a value that shows it arrives.
    for (const auto& [name, text] : r.env)
        EXPECT_TRUE(covered.count(setting_of(name)))
            << name << " is set by the chart but not checked here";
}

TEST(ChartOperatorEnvironment, TheChartsOwnAgentTokenSecretReachesTheOperator) {
    const auto r = render_operator(
        {"server.url=https://sb.example.com", "server.agentToken=sba_01chart_made"});
    EXPECT_EQ(r.env.at("SB_OPERATOR_AGENT_TOKEN"), "sba_01chart_made");
    const auto settings = operator_settings(r.env);
    EXPECT_EQ(settings.at("agent-token"), "set");
    EXPECT_EQ(json::serialize(settings).find("sba_01chart_made"), std::string::npos)
        << "--print-config shows the token";
}

TEST(ChartOperatorEnvironment, AVariableTheOperatorDoesNotReadStopsIt) {
    auto env = render_operator({}).env;
    env["SB_OPERATOR_BUILD_TTL"] = "600";  // a typo of SB_OPERATOR_BUILD_TTL_SECONDS
    try {
        operator_settings(env);
        FAIL() << "the operator started with SB_OPERATOR_BUILD_TTL";
    } catch (const std::runtime_error& e) {
        EXPECT_NE(std::string(e.what()).find("SB_OPERATOR_BUILD_TTL is not a setting"),
                  std::string::npos)
            << e.what();
    }
}

TEST(ChartOperatorEnvironment, ServiceLinksAreOff) {
    // Kubernetes would otherwise put <SERVICE>_PORT variables of every Service
    // in the namespace into the pod; one named sb-operator-* gives
    // SB_OPERATOR_* names the operator refuses.
    const auto r = render_operator({});
    ASSERT_TRUE(r.pod.contains("enableServiceLinks"));
    EXPECT_EQ(r.pod.at("enableServiceLinks"), json::value(false));
}

}  // namespace
}  // namespace sb::deploytest
