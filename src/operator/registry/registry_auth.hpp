#pragma once
// How a registry wants to be authenticated, and with what: its
// WWW-Authenticate challenge (bytes from the registry: parsed without
// trusting them), the login a docker config holds for it, and the bearer
// token its token service answers with.
#include <optional>
#include <string>
#include <string_view>

namespace sb::op::registry {

struct Credentials {
    std::string username;
    std::string password;
};

struct Challenge {
    std::string scheme;  // lower case: "bearer" or "basic" (or what the registry said)
    std::string realm;   // the token service's URL for bearer
    std::string service;
    std::string scope;
};

// The first challenge of a WWW-Authenticate header; nullopt when there is none.
std::optional<Challenge> parse_challenge(std::string_view header);

// The login for `host` ("host[:port]") in a docker config JSON
// (.dockerconfigjson): its `auths` entry, keyed by host, URL or Docker Hub's
// index URL; `auth` (base64 "user:password") or `username`/`password`.
// nullopt when it has none (the registry may allow anonymous access).
// Throws std::invalid_argument when the JSON is not a docker config.
std::optional<Credentials> credentials_for(std::string_view docker_config_json, std::string_view host);

// The token in a token service's JSON answer ("token" or "access_token"); nullopt without one.
std::optional<std::string> token_from_answer(std::string_view json_text);

// "Basic <base64 user:password>".
std::string basic_authorization(const Credentials& credentials);

}  // namespace sb::op::registry
