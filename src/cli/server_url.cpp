#include "cli/server_url.hpp"

#include "cli/cli_error.hpp"

namespace sb::cli {

std::string ServerUrl::text() const {
    bool default_port = (tls && port == "443") || (!tls && port == "80");
    return (tls ? "https://" : "http://") + host + (default_port ? "" : ":" + port) + prefix;
}

std::string ServerUrl::host_header() const {
    bool default_port = (tls && port == "443") || (!tls && port == "80");
    return default_port ? host : host + ":" + port;
}

ServerUrl parse_server_url(std::string_view text) {
    auto bad = [&](const std::string& why) {
        return CliError(ExitCode::usage, "\"" + std::string(text) + "\" is not a server URL: " + why);
    };
    ServerUrl url;
    std::string_view rest = text;
    if (rest.starts_with("https://")) {
        url.tls = true;
        rest.remove_prefix(8);
    } else if (rest.starts_with("http://")) {
        rest.remove_prefix(7);
    } else if (rest.find("://") != std::string_view::npos) {
        throw bad("the scheme must be http or https");
    } else {
        url.tls = true;
    }
    auto slash = rest.find('/');
    std::string_view authority = rest.substr(0, slash);
    std::string_view path = slash == std::string_view::npos ? std::string_view{} : rest.substr(slash);
    while (path.ends_with('/')) path.remove_suffix(1);
    if (authority.empty()) throw bad("it has no host");
    if (authority.find('@') != std::string_view::npos) throw bad("credentials do not go in the URL; use sb login");
    std::string_view host = authority, port;
    if (authority.front() == '[') {  // [::1]:8080
        auto close = authority.find(']');
        if (close == std::string_view::npos) throw bad("unclosed [ in the host");
        host = authority.substr(0, close + 1);
        auto after = authority.substr(close + 1);
        if (after.starts_with(':')) port = after.substr(1);
        else if (!after.empty()) throw bad("unexpected text after the host");
    } else if (auto colon = authority.rfind(':'); colon != std::string_view::npos) {
        host = authority.substr(0, colon);
        port = authority.substr(colon + 1);
    }
    if (host.empty()) throw bad("it has no host");
    if (!port.empty()) {
        if (port.size() > 5) throw bad("the port must be a number from 1 to 65535");
        for (char c : port)
            if (c < '0' || c > '9') throw bad("the port must be a number from 1 to 65535");
        int n = std::stoi(std::string(port));
        if (n < 1 || n > 65535) throw bad("the port must be a number from 1 to 65535");
    }
    url.host = std::string(host);
    url.port = port.empty() ? (url.tls ? "443" : "80") : std::string(port);
    url.prefix = std::string(path);
    return url;
}

}  // namespace sb::cli
