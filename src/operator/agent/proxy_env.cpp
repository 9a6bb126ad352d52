#include "operator/agent/proxy_env.hpp"

#include <boost/url/parse.hpp>
#include <stdexcept>

#include "common/base64.hpp"

namespace sb::op::agent {

namespace {

std::string lower(std::string_view s) {
    std::string out(s);
    for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
    while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
    return s;
}

// NO_PROXY entries: "*", a host, ".example.com" or "example.com" (both match
// the domain and its subdomains), optionally with a ":port" we ignore.
bool bypassed(std::string_view host, std::string_view no_proxy) {
    const auto h = lower(host);
    while (!no_proxy.empty()) {
        const auto comma = no_proxy.find(',');
        auto entry = trim(no_proxy.substr(0, comma));
        no_proxy =
            comma == std::string_view::npos ? std::string_view() : no_proxy.substr(comma + 1);
        if (entry.empty()) continue;
        if (entry == "*") return true;
        if (auto colon = entry.rfind(':');
            colon != std::string_view::npos && entry.find(']') == std::string_view::npos)
            entry = entry.substr(0, colon);
        auto domain = lower(entry.front() == '.' ? entry.substr(1) : entry);
        if (h == domain || (h.size() > domain.size() && h.ends_with(domain) &&
                            h[h.size() - domain.size() - 1] == '.'))
            return true;
    }
    return false;
}

const char* first_set(const Getenv& getenv, std::initializer_list<const char*> names,
                      const char*& which) {
    for (const char* name : names) {
        if (const char* v = getenv(name); v && *v) {
            which = name;
            return v;
        }
    }
    return nullptr;
}

}  // namespace

std::optional<ProxyAddress> proxy_for(std::string_view scheme, std::string_view host,
                                      const Getenv& getenv) {
    const char* which = nullptr;
    const bool tls = scheme == "https" || scheme == "wss";
    const char* value = tls ? first_set(getenv, {"HTTPS_PROXY", "https_proxy"}, which)
                            : first_set(getenv, {"HTTP_PROXY", "http_proxy"}, which);
    if (!value) return std::nullopt;
    const char* no_proxy_name = nullptr;
    if (const char* no_proxy = first_set(getenv, {"NO_PROXY", "no_proxy"}, no_proxy_name);
        no_proxy && bypassed(host, no_proxy))
        return std::nullopt;

    std::string text = value;
    if (text.find("://") == std::string::npos)
        text = "http://" + text;  // "proxy:3128" as curl reads it
    auto url = boost::urls::parse_uri(text);
    if (!url || url->scheme() != "http" || url->host().empty())
        // The value may hold a password: it is not repeated.
        throw std::invalid_argument(std::string(which) +
                                    ": expected a proxy URL like http://proxy.example:3128");
    ProxyAddress proxy{std::string(url->host()), url->has_port() ? std::string(url->port()) : "80",
                       ""};
    if (url->has_userinfo())
        proxy.authorization =
            "Basic " + base64_encode(std::string(url->user()) + ":" + std::string(url->password()));
    return proxy;
}

}  // namespace sb::op::agent
