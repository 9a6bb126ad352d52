#pragma once
// Transport-neutral request and response: the Beast layer converts to and
// from these, so routes and handlers never include Beast.
#include <boost/json/value.hpp>

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sb::server {

struct Request {
    std::string method;  // upper case
    std::string path;    // decoded path without the query
    std::map<std::string, std::string> query;
    std::vector<std::pair<std::string, std::string>> headers;  // names in lower case
    std::string body;
    std::string remote_ip;
    bool tls = false;

    std::optional<std::string_view> header(std::string_view lower_name) const {
        for (const auto& [k, v] : headers)
            if (k == lower_name) return std::string_view(v);
        return std::nullopt;
    }
    std::optional<std::string> cookie(std::string_view name) const;
};

struct Response {
    int status = 200;
    std::string content_type = "application/json";
    std::string body;
    std::vector<std::pair<std::string, std::string>> headers;

    static Response json(int status, const boost::json::value& body);
    static Response error(int status, const std::string& code, const std::string& message, const std::string& field = {});
    static Response no_content() { return Response{204, "", "", {}}; }
    Response& with_header(std::string name, std::string value) {
        headers.emplace_back(std::move(name), std::move(value));
        return *this;
    }
};

// Splits "a=b&c=d" with percent-decoding; duplicate keys keep the first value.
std::map<std::string, std::string> parse_query(std::string_view query);
// Percent-decodes; returns nullopt for malformed escapes.
std::optional<std::string> percent_decode(std::string_view text, bool plus_is_space = false);

}  // namespace sb::server
