#include "operator/common/operator_config.hpp"

#include "operator/appbuild/appbuild_reconciler.hpp"
#include "operator/appbuild/build_config.hpp"
#include "operator/appbuild/job_builder.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>

using namespace sb::op;

namespace {

OperatorConfig parse(std::vector<const char*> args) {
    args.insert(args.begin(), "shapeblock-operator");
    OperatorConfig config;
    int code = -1;
    EXPECT_TRUE(parse_operator_config(static_cast<int>(args.size()), args.data(), config, code));
    return config;
}

}  // namespace

TEST(OperatorConfig, Defaults) {
    auto c = parse({});
    EXPECT_EQ(c.registry_secret_namespace, "shapeblock");
    EXPECT_EQ(c.registry_secret_name, "registry-credentials");
    EXPECT_TRUE(c.leader_elect);
    EXPECT_FALSE(c.install_crds);
    EXPECT_EQ(c.concurrency, 4);
}

TEST(OperatorConfig, Flags) {
    auto c = parse({"--kubeconfig", "/k", "--registry-secret-name", "regcred", "--api-qps", "20", "--concurrency=8",
                    "--leader-elect=false", "--install-crds", "--ingress-namespaces", "a,b"});
    EXPECT_EQ(c.kubeconfig, "/k");
    EXPECT_EQ(c.registry_secret_name, "regcred");
    EXPECT_DOUBLE_EQ(c.api_qps, 20);
    EXPECT_EQ(c.concurrency, 8);
    EXPECT_FALSE(c.leader_elect);
    EXPECT_TRUE(c.install_crds);
    EXPECT_EQ(c.ingress_namespaces, (std::vector<std::string>{"a", "b"}));
}

TEST(OperatorConfig, BuildImagesDefaultToThePinnedOnesAndKanikoHasAShell) {
    auto c = parse({});
    const sb::op::appbuild::BuildConfig defaults;
    EXPECT_EQ(c.kaniko_image, defaults.kaniko_image);
    EXPECT_TRUE(c.kaniko_image.ends_with("-debug")) << "the build script runs under /busybox/sh";
    EXPECT_EQ(defaults.kaniko_shell, "/busybox/sh");
    EXPECT_EQ(c.buildah_image, defaults.buildah_image);
    EXPECT_EQ(c.git_image, defaults.git_image);
    EXPECT_EQ(c.buildpack_builder_image, defaults.buildpack_builder_image);
    EXPECT_EQ(sb::op::appbuild::build_config_from(c).kaniko_image, defaults.kaniko_image);
}

TEST(OperatorConfig, InsecureRegistriesReachTheBuilds) {
    auto c = parse({"--insecure-registries", "10.0.0.1:5000,registry.local", "--dockerfile-builder=buildah"});
    EXPECT_EQ(c.insecure_registries, (std::vector<std::string>{"10.0.0.1:5000", "registry.local"}));
    auto build = sb::op::appbuild::build_config_from(c);
    EXPECT_EQ(build.insecure_registries, (std::set<std::string>{"10.0.0.1:5000", "registry.local"}));
    EXPECT_EQ(build.dockerfile_builder, sb::op::appbuild::DockerfileBuilder::buildah);
    OperatorConfig bad;
    int code = 0;
    const char* url[] = {"op", "--insecure-registries", "http://10.0.0.1:5000"};
    EXPECT_THROW(parse_operator_config(3, url, bad, code), ConfigError);
}

TEST(OperatorConfig, FileThenEnvThenFlags) {
    auto file = std::filesystem::temp_directory_path() / ("sb-operator-config-" + std::to_string(::getpid()) + ".yaml");
    {
        std::ofstream out(file);
        out << "registry-secret-name: from-file\nchart-version: 1.0.0\nconcurrency: 3\nleader-elect: false\n"
               "ingress-namespaces: [x, y]\n";
    }
    ::setenv("SB_OPERATOR_CHART_VERSION", "2.0.0", 1);
    auto path = file.string();
    auto c = parse({"--config", path.c_str(), "--concurrency", "5"});
    ::unsetenv("SB_OPERATOR_CHART_VERSION");
    std::filesystem::remove(file);
    EXPECT_EQ(c.registry_secret_name, "from-file");
    EXPECT_EQ(c.chart_version, "2.0.0");
    EXPECT_EQ(c.concurrency, 5);
    EXPECT_FALSE(c.leader_elect);
    EXPECT_EQ(c.ingress_namespaces, (std::vector<std::string>{"x", "y"}));
}

// The chart's `deploy.clusterIssuer: ""` arrives as an empty variable: plain
// HTTP, no certificates (not the default issuer); a flag still wins.
TEST(OperatorConfig, AnEmptyEnvironmentVariableEmptiesATextSetting) {
    ::setenv("SB_OPERATOR_CLUSTER_ISSUER", "", 1);
    auto empty = parse({});
    auto flagged = parse({"--cluster-issuer", "staging"});
    ::unsetenv("SB_OPERATOR_CLUSTER_ISSUER");
    EXPECT_EQ(empty.cluster_issuer, "");
    EXPECT_EQ(flagged.cluster_issuer, "staging");
    EXPECT_EQ(parse({}).cluster_issuer, "letsencrypt-prod");
}

TEST(OperatorConfig, RejectsBadInput) {
    OperatorConfig c;
    EXPECT_THROW(apply_config_yaml(c, "no-such-setting: 1", "f.yaml"), ConfigError);
    EXPECT_THROW(apply_config_yaml(c, "concurrency: lots", "f.yaml"), ConfigError);
    EXPECT_THROW(apply_config_yaml(c, "- a\n- b", "f.yaml"), ConfigError);
    int code = 0;
    const char* bad_builder[] = {"op", "--dockerfile-builder", "docker"};
    EXPECT_THROW(parse_operator_config(3, bad_builder, c, code), ConfigError);
    const char* unknown[] = {"op", "--frobnicate"};
    EXPECT_THROW(parse_operator_config(2, unknown, c, code), ConfigError);
    const char* zero[] = {"op", "--concurrency", "0"};
    EXPECT_THROW(parse_operator_config(3, zero, c, code), ConfigError);
}

TEST(OperatorConfig, HelpExitsCleanly) {
    OperatorConfig c;
    int code = -1;
    const char* help[] = {"op", "--help"};
    testing::internal::CaptureStdout();
    EXPECT_FALSE(parse_operator_config(2, help, c, code));
    auto out = testing::internal::GetCapturedStdout();
    EXPECT_EQ(code, 0);
    EXPECT_NE(out.find("--registry-secret-name"), std::string::npos);
}

namespace {

// The ConfigError message of parsing args ("" when it parses).
std::string error_of(std::vector<const char*> args) {
    args.insert(args.begin(), "shapeblock-operator");
    OperatorConfig config;
    int code = -1;
    try {
        parse_operator_config(static_cast<int>(args.size()), args.data(), config, code);
    } catch (const ConfigError& e) {
        return e.what();
    }
    return "";
}

}  // namespace

TEST(OperatorConfig, BadFlagNamesTheFlagAndWhatItExpects) {
    auto message = error_of({"--concurrency", "lots"});
    EXPECT_NE(message.find("--concurrency"), std::string::npos) << message;
    EXPECT_NE(message.find("a whole number"), std::string::npos) << message;
    message = error_of({"--build-memory-limit", "lots"});
    EXPECT_NE(message.find("build-memory-limit"), std::string::npos) << message;
    EXPECT_NE(message.find("Kubernetes quantity"), std::string::npos) << message;
    message = error_of({"--metrics-address", "0.0.0.0:http"});
    EXPECT_NE(message.find("metrics-address"), std::string::npos) << message;
    EXPECT_NE(message.find("port from 0 (any free port) to 65535"), std::string::npos) << message;
}

TEST(OperatorConfig, BadEnvironmentValueNamesTheVariableAndWhatItExpects) {
    ::setenv("SB_OPERATOR_API_QPS", "fast", 1);
    auto message = error_of({});
    EXPECT_EQ(error_of({"--api-qps", "10"}), "") << "the flag wins over the environment";
    ::unsetenv("SB_OPERATOR_API_QPS");
    EXPECT_NE(message.find("SB_OPERATOR_API_QPS"), std::string::npos) << message;
    EXPECT_NE(message.find("a number"), std::string::npos) << message;
    ::setenv("SB_OPERATOR_LEADER_ELECT", "maybe", 1);
    message = error_of({});
    ::unsetenv("SB_OPERATOR_LEADER_ELECT");
    EXPECT_NE(message.find("SB_OPERATOR_LEADER_ELECT"), std::string::npos) << message;
    EXPECT_NE(message.find("true or false"), std::string::npos) << message;
}

TEST(OperatorConfig, BadConfigFileValueNamesTheSettingAndWhatItExpects) {
    OperatorConfig c;
    try {
        apply_config_yaml(c, "concurrency: lots", "f.yaml");
        FAIL() << "accepted a word for concurrency";
    } catch (const ConfigError& e) {
        const std::string message = e.what();
        EXPECT_NE(message.find("f.yaml: concurrency"), std::string::npos) << message;
        EXPECT_NE(message.find("a whole number"), std::string::npos) << message;
    }
}

TEST(OperatorConfig, MetricsPortIsZeroTo65535) {
    EXPECT_EQ(metrics_port("0.0.0.0:8080"), 8080);
    EXPECT_EQ(metrics_port(":9090"), 9090);
    EXPECT_EQ(metrics_port("[::1]:443"), 443);
    EXPECT_EQ(metrics_port("localhost"), std::nullopt);
    EXPECT_EQ(metrics_port("localhost:"), std::nullopt);
    EXPECT_EQ(metrics_port("127.0.0.1:0"), 0);  // any free port
    EXPECT_EQ(metrics_port("localhost:65536"), std::nullopt);
    EXPECT_EQ(metrics_port("localhost:80a"), std::nullopt);
}

TEST(OperatorConfig, TheChartsBuildSettingsReachTheBuilds) {
    auto c = parse({"--build-ttl-seconds", "3600", "--build-history-limit", "3", "--build-cache=false",
                    "--max-concurrent-builds", "2"});
    auto build = sb::op::appbuild::build_config_from(c);
    EXPECT_EQ(build.ttl_seconds_after_finished, 3600);
    EXPECT_FALSE(build.registry_cache);
    const auto settings = sb::op::appbuild::appbuild_settings_from(c);
    EXPECT_EQ(settings.history_limit, 3);
    EXPECT_EQ(settings.max_concurrent_builds, 2);
    EXPECT_EQ(settings.build.ttl_seconds_after_finished, 3600);
    EXPECT_FALSE(settings.build.registry_cache);
    for (std::vector<const char*> bad : {std::vector<const char*>{"op", "--build-history-limit", "0"},
                                         std::vector<const char*>{"op", "--max-concurrent-builds", "-1"},
                                         std::vector<const char*>{"op", "--build-ttl-seconds", "-5"}}) {
        OperatorConfig config;
        int code = 0;
        EXPECT_THROW(parse_operator_config(static_cast<int>(bad.size()), bad.data(), config, code), ConfigError) << bad[1];
    }
}

TEST(OperatorConfig, TheAgentLinkNeedsBothUrlAndToken) {
    auto c = parse({"--server-url", "https://sb.example.com", "--agent-token", "t"});
    EXPECT_EQ(c.server_url, "https://sb.example.com");
    for (std::vector<const char*> bad : {std::vector<const char*>{"op", "--server-url", "https://sb.example.com"},
                                         std::vector<const char*>{"op", "--agent-token", "t"},
                                         std::vector<const char*>{"op", "--server-url", "ftp://x", "--agent-token", "t"}}) {
        OperatorConfig config;
        int code = 0;
        try {
            parse_operator_config(static_cast<int>(bad.size()), bad.data(), config, code);
            ADD_FAILURE() << "accepted " << bad[1];
        } catch (const ConfigError& e) {
            EXPECT_EQ(std::string(e.what()).find("\"t\""), std::string::npos);
        }
    }
}

TEST(OperatorConfig, PlainHttpServerUrlOnlyOnLoopback) {
    for (const char* url : {"http://127.0.0.1:8080", "http://localhost:8080", "http://[::1]:8080", "ws://127.0.0.2",
                            "https://sb.example.com", "wss://sb.example.com/base"})
        EXPECT_EQ(error_of({"--server-url", url, "--agent-token", "t"}), "") << url;
    for (const char* url : {"http://10.0.0.5:8080", "http://sb.example.com", "ws://192.168.1.2", "http://[2001:db8::1]"}) {
        auto message = error_of({"--server-url", url, "--agent-token", "t"});
        EXPECT_NE(message.find("only to a loopback host"), std::string::npos) << url << ": " << message;
        EXPECT_NE(message.find(url), std::string::npos) << message;
    }
    EXPECT_NE(error_of({"--server-url", "sb.example.com", "--agent-token", "t"}).find("server-url"), std::string::npos);
}

TEST(OperatorConfig, UnknownOperatorEnvironmentVariableIsRefusedByName) {
    ::setenv("SB_OPERATOR_BUILD_TTL", "3600", 1);  // the setting is SB_OPERATOR_BUILD_TTL_SECONDS
    auto message = error_of({});
    ::unsetenv("SB_OPERATOR_BUILD_TTL");
    EXPECT_NE(message.find("SB_OPERATOR_BUILD_TTL "), std::string::npos) << message;
    EXPECT_NE(message.find("not a setting"), std::string::npos) << message;
    ::setenv("SB_OPERATOR_BUILD_TTL_SECONDS", "3600", 1);
    ::setenv("SB_OPERATOR_CONFIG", "", 1);
    ::setenv("SB_OPERATORS_ARE_UNRELATED", "x", 1);
    message = error_of({});
    ::unsetenv("SB_OPERATOR_BUILD_TTL_SECONDS");
    ::unsetenv("SB_OPERATOR_CONFIG");
    ::unsetenv("SB_OPERATORS_ARE_UNRELATED");
    EXPECT_EQ(message, "");
}

TEST(OperatorConfig, PrintConfigPrintsTheResolvedSettingsWithoutSecrets) {
    const char* args[] = {"op", "--print-config", "--build-history-limit", "3", "--ingress-namespaces", "a,b",
                          "--server-url", "https://sb.example.com", "--agent-token", "sba_secret-token-value",
                          "--api-qps", "7.5", "--leader-elect=false"};
    OperatorConfig c;
    int code = -1;
    testing::internal::CaptureStdout();
    const bool run = parse_operator_config(static_cast<int>(std::size(args)), args, c, code);
    const auto out = testing::internal::GetCapturedStdout();
    EXPECT_FALSE(run);
    EXPECT_EQ(code, 0);
    EXPECT_EQ(out.find("secret-token-value"), std::string::npos) << out;
    auto printed = boost::json::parse(out).as_object();
    EXPECT_EQ(printed.at("build-history-limit"), boost::json::value(3));
    EXPECT_EQ(printed.at("ingress-namespaces"), boost::json::parse(R"(["a","b"])"));
    EXPECT_EQ(printed.at("agent-token"), "set");
    EXPECT_EQ(printed.at("server-url"), "https://sb.example.com");
    EXPECT_DOUBLE_EQ(printed.at("api-qps").to_number<double>(), 7.5);
    EXPECT_EQ(printed.at("leader-elect"), boost::json::value(false));
    EXPECT_EQ(printed.at("registry-secret-name"), "registry-credentials");  // a default
    EXPECT_EQ(boost::json::parse(config_json(OperatorConfig{})).at("agent-token"), "");
}

namespace {

// Every flag of every builder container of the Job for `type` that mentions the layer cache.
std::vector<std::string> cache_flags(const sb::op::appbuild::BuildConfig& config, sb::op::appbuild::BuildType type,
                                     sb::op::appbuild::DockerfileBuilder builder) {
    sb::op::appbuild::BuildRequest r;
    r.namespace_ = "p";
    r.app_name = "web";
    r.build_name = "web-1";
    r.build_uid = "u1";
    r.git_url = "https://g/x.git";
    r.image_repository = "reg.example.com/p/web";
    r.type = type;
    r.builder = builder;
    const auto job = sb::op::appbuild::build_job(r, config);
    std::vector<std::string> flags;
    const auto& pod = job.at("spec").at("template").at("spec").as_object();
    for (std::string_view list : {"initContainers", "containers"})
        for (const auto& c : pod.at(list).as_array())
            if (const auto* args = c.as_object().if_contains("args"))
                for (const auto& a : args->as_array())
                    if (std::string(a.as_string()).find("cache") != std::string::npos) flags.emplace_back(a.as_string());
    return flags;
}

}  // namespace

// The chart sets SB_OPERATOR_BUILD_CACHE from build.cache (chart_operator_env_test
// checks that part); from there to every builder's flags.
TEST(OperatorConfig, TheBuildCacheSettingDecidesEveryBuildersCacheFlags) {
    using sb::op::appbuild::BuildType;
    using sb::op::appbuild::DockerfileBuilder;
    ::setenv("SB_OPERATOR_BUILD_CACHE", "false", 1);
    const auto off = sb::op::appbuild::build_config_from(parse({}));
    ::unsetenv("SB_OPERATOR_BUILD_CACHE");
    EXPECT_FALSE(off.registry_cache);
    for (auto [type, builder] : {std::pair{BuildType::dockerfile, DockerfileBuilder::kaniko},
                                 std::pair{BuildType::dockerfile, DockerfileBuilder::buildah},
                                 std::pair{BuildType::buildpack, DockerfileBuilder::kaniko},
                                 std::pair{BuildType::detect, DockerfileBuilder::buildah}})
        EXPECT_EQ(cache_flags(off, type, builder), std::vector<std::string>{}) << to_string(type) << " " << to_string(builder);

    const auto on = sb::op::appbuild::build_config_from(parse({}));  // the default: on
    EXPECT_EQ(cache_flags(on, BuildType::dockerfile, DockerfileBuilder::kaniko),
              (std::vector<std::string>{"--cache=true", "--cache-repo=reg.example.com/p/web/cache"}));
    EXPECT_EQ(cache_flags(on, BuildType::dockerfile, DockerfileBuilder::buildah),
              (std::vector<std::string>{"--cache-to=reg.example.com/p/web/cache", "--cache-from=reg.example.com/p/web/cache"}));
    EXPECT_EQ(cache_flags(on, BuildType::buildpack, DockerfileBuilder::kaniko),
              (std::vector<std::string>{"-cache-image=reg.example.com/p/web/cache"}));
    EXPECT_EQ(cache_flags(on, BuildType::detect, DockerfileBuilder::kaniko),
              (std::vector<std::string>{"--cache=true", "--cache-repo=reg.example.com/p/web/cache",
                                        "-cache-image=reg.example.com/p/web/cache"}));
}
