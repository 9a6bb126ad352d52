#pragma once
// The HTTP proxy the operator must use to reach the server, from the usual
// environment variables (curl's and Go's conventions): HTTPS_PROXY for
// https/wss, HTTP_PROXY for http/ws, either in lower case too, and NO_PROXY
// (comma-separated hosts or domain suffixes, "*" for all) to go direct.
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace sb::op::agent {

struct ProxyAddress {
    std::string host;
    std::string port;
    std::string authorization;  // "Basic ..." when the proxy URL carries user:password
    bool operator==(const ProxyAddress&) const = default;
};

using Getenv = std::function<const char*(const char*)>;

// nullopt: connect directly. Throws std::invalid_argument naming the variable
// when its value is not an http:// URL.
std::optional<ProxyAddress> proxy_for(std::string_view scheme, std::string_view host,
                                      const Getenv& getenv);

}  // namespace sb::op::agent
