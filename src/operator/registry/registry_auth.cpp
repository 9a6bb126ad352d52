#include "operator/registry/registry_auth.hpp"

#include <boost/json/parse.hpp>

#include <cctype>
#include <stdexcept>

#include "common/base64.hpp"
#include "common/json_fields.hpp"

namespace sb::op::registry {

namespace json = boost::json;

namespace {

bool is_space(char c) { return c == ' ' || c == '\t'; }
bool is_token_char(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || std::string_view("!#$%&'*+-.^_`|~/:").find(c) != std::string_view::npos;
}

std::string lower(std::string_view s) {
    std::string out(s);
    for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

// "host[:port]" of a docker config key: a bare host, or a URL (Docker Hub's is https://index.docker.io/v1/).
std::string config_key_host(std::string_view key) {
    if (auto scheme = key.find("://"); scheme != std::string_view::npos) key.remove_prefix(scheme + 3);
    key = key.substr(0, key.find('/'));
    return lower(key);
}

std::string docker_hub_alias(std::string host) {
    if (host == "docker.io" || host == "registry-1.docker.io" || host == "registry.hub.docker.com") return "index.docker.io";
    return host;
}

}  // namespace

std::optional<Challenge> parse_challenge(std::string_view header) {
    std::size_t i = 0;
    while (i < header.size() && is_space(header[i])) ++i;
    const auto scheme_start = i;
    while (i < header.size() && is_token_char(header[i])) ++i;
    if (i == scheme_start) return std::nullopt;
    Challenge c;
    c.scheme = lower(header.substr(scheme_start, i - scheme_start));
    // auth-params: name=value or name="quoted", comma separated, until a token
    // not followed by '=' (the next challenge) or the end.
    for (;;) {
        while (i < header.size() && (is_space(header[i]) || header[i] == ',')) ++i;
        const auto name_start = i;
        while (i < header.size() && is_token_char(header[i]) && header[i] != '=') ++i;
        if (i == name_start || i >= header.size() || header[i] != '=') break;
        const auto name = lower(header.substr(name_start, i - name_start));
        ++i;  // '='
        std::string value;
        if (i < header.size() && header[i] == '"') {
            ++i;
            bool closed = false;
            while (i < header.size()) {
                char ch = header[i++];
                if (ch == '\\' && i < header.size()) value += header[i++];
                else if (ch == '"') {
                    closed = true;
                    break;
                } else value += ch;
            }
            if (!closed) return std::nullopt;
        } else {
            const auto value_start = i;
            while (i < header.size() && header[i] != ',' && !is_space(header[i])) ++i;
            value = std::string(header.substr(value_start, i - value_start));
        }
        if (name == "realm") c.realm = std::move(value);
        else if (name == "service") c.service = std::move(value);
        else if (name == "scope") c.scope = std::move(value);
    }
    return c;
}

std::optional<Credentials> credentials_for(std::string_view docker_config_json, std::string_view host) {
    std::error_code ec;
    auto parsed = json::parse(docker_config_json, ec);
    if (ec || !parsed.is_object()) throw std::invalid_argument("the registry secret's .dockerconfigjson is not a JSON object");
    const auto* auths = find_object(parsed.get_object(), "auths");
    if (!auths) return std::nullopt;
    const auto wanted = docker_hub_alias(lower(host));
    for (const auto& [key, entry] : *auths) {
        if (!entry.is_object() || docker_hub_alias(config_key_host(key)) != wanted) continue;
        const auto& o = entry.get_object();
        if (auto auth = get_string(o, "auth"); !auth.empty()) {
            auto decoded = try_base64_decode(auth);
            if (!decoded) throw std::invalid_argument("the registry secret's auth for " + std::string(key) + " is not base64");
            auto colon = decoded->find(':');
            if (colon == std::string::npos)
                throw std::invalid_argument("the registry secret's auth for " + std::string(key) + " is not user:password");
            return Credentials{decoded->substr(0, colon), decoded->substr(colon + 1)};
        }
        auto username = get_string(o, "username");
        if (!username.empty()) return Credentials{std::move(username), get_string(o, "password")};
    }
    return std::nullopt;
}

std::optional<std::string> token_from_answer(std::string_view json_text) {
    std::error_code ec;
    auto parsed = json::parse(json_text, ec);
    if (ec || !parsed.is_object()) return std::nullopt;
    for (const char* key : {"token", "access_token"})
        if (auto token = get_string(parsed.get_object(), key); !token.empty()) return token;
    return std::nullopt;
}

std::string basic_authorization(const Credentials& credentials) {
    return "Basic " + base64_encode(credentials.username + ":" + credentials.password);
}

}  // namespace sb::op::registry
