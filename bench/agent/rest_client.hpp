#pragma once
// A blocking HTTP client for the server's REST API, used before the load
// starts (registering clusters, projects, apps and builds). Plain HTTP only:
// the bench talks to a server on loopback.
#include <boost/json/value.hpp>

#include <string>

namespace sb::bench {

// host and port of an http:// URL; throws std::invalid_argument otherwise.
struct ServerAddress {
    std::string host;
    std::string port;
};
ServerAddress parse_server_url(const std::string& url);

class RestClient {
public:
    RestClient(ServerAddress address, std::string api_token)
        : address_(std::move(address)), api_token_(std::move(api_token)) {}
    // Sends a JSON body and returns the JSON answer; throws std::runtime_error
    // naming the request and the server's answer when it is not 2xx.
    boost::json::value call(const std::string& method, const std::string& target, const boost::json::value& body) const;

private:
    ServerAddress address_;
    std::string api_token_;
};

}  // namespace sb::bench
