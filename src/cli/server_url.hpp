#pragma once
// A server address as the user types it: http(s)://host[:port][/prefix].
#include <string>
#include <string_view>

namespace sb::cli {

struct ServerUrl {
    bool tls = false;
    std::string host;
    std::string port;    // always set: 80/443 when the URL has none
    std::string prefix;  // path before /api/v1, without a trailing slash
    // The URL as shown to the user and stored in contexts.
    std::string text() const;
    // The Host header value (with the port when it is not the scheme's).
    std::string host_header() const;
};

// Parses a server URL; "localhost:8080" (no scheme) means https://.
// Throws CliError (usage) naming the URL when it cannot be one.
ServerUrl parse_server_url(std::string_view text);

}  // namespace sb::cli
