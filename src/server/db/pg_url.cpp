#include "server/db/pg_url.hpp"

#include <charconv>
#include <cstdlib>
#include <stdexcept>

namespace sb::server::db::pg {
namespace {

std::invalid_argument bad(const std::string& what) { return std::invalid_argument("database URL: " + what); }

int hex_digit(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

std::string percent_decode(std::string_view s, const char* part) {
    std::string out;
    out.reserve(s.size());
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] != '%') {
            out.push_back(s[i]);
            continue;
        }
        int hi = i + 2 < s.size() ? hex_digit(s[i + 1]) : -1;
        int lo = i + 2 < s.size() ? hex_digit(s[i + 2]) : -1;
        if (hi < 0 || lo < 0 || (hi == 0 && lo == 0)) throw bad(std::string("invalid percent-encoding in the ") + part);
        out.push_back(static_cast<char>(hi * 16 + lo));
        i += 2;
    }
    return out;
}

int parse_int(std::string_view text, const char* what, int min, int max) {
    int value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size() || value < min || value > max)
        throw bad(std::string("invalid ") + what + " '" + std::string(text) + "'");
    return value;
}

SslMode parse_ssl_mode(std::string_view mode) {
    if (mode == "disable") return SslMode::disable;
    if (mode == "prefer" || mode == "allow") return SslMode::prefer;
    if (mode == "require") return SslMode::require;
    if (mode == "verify-ca") return SslMode::verify_ca;
    if (mode == "verify-full") return SslMode::verify_full;
    throw bad("invalid sslmode '" + std::string(mode) + "' (disable, prefer, require, verify-ca or verify-full)");
}

std::string default_user() {
    for (const char* variable : {"PGUSER", "USER", "LOGNAME"})
        if (const char* value = std::getenv(variable); value != nullptr && *value != '\0') return value;
    throw bad("no user given (add user@ to the URL)");
}

void set_host_port(ConnectOptions& options, std::string_view hostport) {
    if (hostport.empty()) return;
    std::string_view host = hostport, port;
    if (hostport.front() == '[') {  // IPv6 literal
        auto close = hostport.find(']');
        if (close == std::string_view::npos) throw bad("unterminated '[' in the host");
        host = hostport.substr(1, close - 1);
        auto after = hostport.substr(close + 1);
        if (!after.empty() && after.front() != ':') throw bad("unexpected text after ']' in the host");
        if (!after.empty()) port = after.substr(1);
    } else if (auto colon = hostport.rfind(':'); colon != std::string_view::npos) {
        host = hostport.substr(0, colon);
        port = hostport.substr(colon + 1);
    }
    if (hostport.find(',') != std::string_view::npos) throw bad("several hosts are not supported");
    if (!host.empty()) options.host = percent_decode(host, "host");
    if (!port.empty()) options.port = parse_int(port, "port", 1, 65535);
}

void set_parameter(ConnectOptions& options, std::string_view key, const std::string& value) {
    if (key == "host") options.host = value;
    else if (key == "port") options.port = parse_int(value, "port", 1, 65535);
    else if (key == "user") options.user = value;
    else if (key == "password") options.password = value;
    else if (key == "dbname") options.database = value;
    else if (key == "sslmode") options.ssl_mode = parse_ssl_mode(value);
    else if (key == "sslrootcert") options.ssl_root_cert = value;
    else if (key == "application_name") options.application_name = value;
    else if (key == "connect_timeout") options.connect_timeout = std::chrono::seconds(parse_int(value, "connect_timeout", 1, 3600));
    else throw bad("unsupported parameter '" + std::string(key) + "'");
}

}  // namespace

std::string ConnectOptions::describe() const {
    return (unix_socket() ? unix_socket_path() : host + ":" + std::to_string(port)) + "/" + database;
}

ConnectOptions parse_url(std::string_view url) {
    std::string_view rest;
    for (std::string_view scheme : {"postgresql://", "postgres://"})
        if (url.starts_with(scheme)) rest = url.substr(scheme.size());
    if (rest.data() == nullptr) throw bad("must start with postgresql:// (key=value strings are not supported)");

    ConnectOptions options;
    std::string_view query;
    if (auto q = rest.find('?'); q != std::string_view::npos) {
        query = rest.substr(q + 1);
        rest = rest.substr(0, q);
    }
    std::string_view path;
    if (auto slash = rest.find('/'); slash != std::string_view::npos) {
        path = rest.substr(slash + 1);
        rest = rest.substr(0, slash);
    }
    if (auto at = rest.rfind('@'); at != std::string_view::npos) {
        auto userinfo = rest.substr(0, at);
        rest = rest.substr(at + 1);
        auto colon = userinfo.find(':');
        options.user = percent_decode(userinfo.substr(0, colon), "user");
        if (colon != std::string_view::npos) options.password = percent_decode(userinfo.substr(colon + 1), "password");
    }
    set_host_port(options, rest);
    if (!path.empty()) options.database = percent_decode(path, "database name");

    while (!query.empty()) {
        auto amp = query.find('&');
        auto pair = query.substr(0, amp);
        query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
        auto eq = pair.find('=');
        if (eq == std::string_view::npos) throw bad("parameter '" + std::string(pair) + "' has no value");
        set_parameter(options, pair.substr(0, eq), percent_decode(pair.substr(eq + 1), "parameters"));
    }
    if (options.user.empty()) options.user = default_user();
    if (options.database.empty()) options.database = options.user;
    if (options.unix_socket() && options.ssl_mode > SslMode::prefer) throw bad("sslmode requires TCP, not a Unix socket");
    if (!options.unix_socket() && options.host.empty()) throw bad("empty host");
    return options;
}

}  // namespace sb::server::db::pg
