#pragma once
// Converts a parsed Beast request into the transport-neutral Request. A
// template over the request type, so this header needs no Beast include and
// both the server (http/transport.cpp) and the request fuzz target
// (tests/fuzz/http_request_fuzzer.cpp) run this same code.
#include <cctype>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include "server/http/message.hpp"

namespace sb::server {

template <typename BeastRequest>
Request to_request(const BeastRequest& req, std::string remote_ip, bool tls) {
    Request r;
    r.method = std::string(req.method_string());
    std::string_view target = req.target();
    auto q = target.find('?');
    auto decoded = percent_decode(target.substr(0, q));
    // A malformed escape cannot match any route: keep the raw text, the router answers 404.
    r.path = decoded ? *decoded : std::string(target.substr(0, q));
    if (q != std::string_view::npos) r.query = parse_query(target.substr(q + 1));
    for (const auto& field : req) {
        std::string name(field.name_string());
        for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        r.headers.emplace_back(std::move(name), std::string(field.value()));
    }
    if constexpr (std::is_convertible_v<decltype(req.body()), std::string>) r.body = req.body();
    r.remote_ip = std::move(remote_ip);
    r.tls = tls;
    return r;
}

}  // namespace sb::server
