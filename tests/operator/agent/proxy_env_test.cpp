#include "operator/agent/proxy_env.hpp"

#include <gtest/gtest.h>

#include <map>

namespace sb::op::agent {
namespace {

Getenv env(std::map<std::string, std::string> vars) {
    return [vars = std::move(vars)](const char* name) -> const char* {
        auto it = vars.find(name);
        return it == vars.end() ? nullptr : it->second.c_str();
    };
}

TEST(ProxyEnv, NoProxyVariablesMeansDirect) {
    EXPECT_FALSE(proxy_for("https", "sb.example.com", env({})));
}

TEST(ProxyEnv, HttpsProxyForTlsAndHttpProxyForPlain) {
    auto e = env({{"HTTPS_PROXY", "http://proxy.corp:3128"}, {"http_proxy", "plain.corp:8080"}});
    EXPECT_EQ(proxy_for("https", "sb.example.com", e), (ProxyAddress{"proxy.corp", "3128", ""}));
    EXPECT_EQ(proxy_for("wss", "sb.example.com", e), (ProxyAddress{"proxy.corp", "3128", ""}));
    EXPECT_EQ(proxy_for("http", "sb.example.com", e), (ProxyAddress{"plain.corp", "8080", ""}));
}

TEST(ProxyEnv, NoProxyMatchesHostsAndDomainSuffixes) {
    auto e = env({{"HTTPS_PROXY", "http://proxy:3128"},
                  {"NO_PROXY", "localhost, .internal,example.org:443"}});
    EXPECT_FALSE(proxy_for("https", "localhost", e));
    EXPECT_FALSE(proxy_for("https", "sb.internal", e));
    EXPECT_FALSE(proxy_for("https", "internal", e));
    EXPECT_FALSE(proxy_for("https", "api.example.org", e));
    EXPECT_FALSE(proxy_for("https", "EXAMPLE.org", e));
    EXPECT_TRUE(proxy_for("https", "notexample.org", e));
    EXPECT_TRUE(proxy_for("https", "sb.example.com", e));
    EXPECT_FALSE(
        proxy_for("https", "anything", env({{"HTTPS_PROXY", "http://p:1"}, {"no_proxy", "*"}})));
}

TEST(ProxyEnv, CredentialsBecomeProxyAuthorizationAndAreNeverEchoed) {
    auto p = proxy_for("https", "sb.example.com",
                       env({{"HTTPS_PROXY", "http://user:s3cret@proxy:3128"}}));
    ASSERT_TRUE(p);
    EXPECT_EQ(p->authorization, "Basic dXNlcjpzM2NyZXQ=");
    try {
        proxy_for("https", "sb.example.com",
                  env({{"HTTPS_PROXY", "socks5://user:s3cret@proxy:1080"}}));
        FAIL() << "a socks proxy was accepted";
    } catch (const std::invalid_argument& e) {
        EXPECT_NE(std::string(e.what()).find("HTTPS_PROXY"), std::string::npos);
        EXPECT_EQ(std::string(e.what()).find("s3cret"), std::string::npos);
    }
}

}  // namespace
}  // namespace sb::op::agent
