#include "server/db/pg_conninfo.hpp"

#include <charconv>
#include <cstdlib>
#include <memory>
#include <stdexcept>

#include "server/db/pg_libpq.hpp"

namespace sb::server::db::pg {

namespace {

// The raw text of every `<key>=value` in the URL (query parameters or
// key=value pairs) and the password of a URI's user:password@: what libpq
// quotes when it cannot decode a value.
std::vector<std::string> raw_secrets(std::string_view url) {
    std::vector<std::string> out;
    if (auto scheme = url.find("://"); scheme != std::string_view::npos) {
        auto authority = url.substr(scheme + 3);
        authority = authority.substr(0, authority.find_first_of("/?"));
        if (auto at = authority.rfind('@'); at != std::string_view::npos) {
            auto userinfo = authority.substr(0, at);
            if (auto colon = userinfo.find(':'); colon != std::string_view::npos)
                out.emplace_back(userinfo.substr(colon + 1));
        }
    }
    for (std::string_view key : {"sslpassword=", "password="}) {
        for (auto pos = url.find(key); pos != std::string_view::npos;
             pos = url.find(key, pos + 1)) {
            auto value = url.substr(pos + key.size());
            out.emplace_back(value.substr(0, value.find_first_of("& \t\n")));
        }
    }
    return out;
}

std::chrono::seconds timeout_from(const std::string& text) {
    int seconds = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), seconds);
    if (ec != std::errc() || end != text.data() + text.size())
        throw std::invalid_argument("connect_timeout must be a whole number of seconds, not '" +
                                    text + "'");
    return std::chrono::seconds(seconds > 0 ? seconds : 0);
}

}  // namespace

std::string redact(std::string text, const std::vector<std::string>& secrets) {
    for (const auto& secret : secrets) {
        if (secret.empty()) continue;
        for (auto pos = text.find(secret); pos != std::string::npos;
             pos = text.find(secret, pos + 3))
            text.replace(pos, secret.size(), "***");
    }
    return text;
}

ConnInfo parse_conninfo(std::string_view url) {
    ConnInfo info;
    info.url = std::string(url);
    info.secrets = raw_secrets(url);
    char* error = nullptr;
    auto free_options = [](PQconninfoOption* o) { libpq().PQconninfoFree(o); };
    std::unique_ptr<PQconninfoOption, decltype(free_options)> options(
        libpq().PQconninfoParse(info.url.c_str(), &error), free_options);
    if (!options) {
        std::string reason = error ? error : "out of memory";
        libpq().PQfreemem(error);
        while (!reason.empty() && reason.back() == '\n') reason.pop_back();
        throw std::invalid_argument("database URL: " + redact(reason, info.secrets));
    }
    std::string host, port, database, timeout;
    for (auto* o = options.get(); o->keyword != nullptr; ++o) {
        std::string_view key = o->keyword;
        std::string value = o->val ? o->val : "";
        if (key == "host" || (key == "hostaddr" && host.empty()))
            host = value;
        else if (key == "port")
            port = value;
        else if (key == "dbname")
            database = value;
        else if (key == "connect_timeout")
            timeout = value;
        else if (key == "password" || key == "sslpassword")
            info.secrets.push_back(value);
    }
    const char* env_timeout = std::getenv("PGCONNECT_TIMEOUT");
    if (timeout.empty() && env_timeout != nullptr) timeout = env_timeout;
    if (!timeout.empty()) info.connect_timeout = timeout_from(timeout);
    info.description = (host.empty() ? std::string("(default host)") : host) +
                       (port.empty() ? "" : ":" + port) + "/" + database;
    return info;
}

}  // namespace sb::server::db::pg
