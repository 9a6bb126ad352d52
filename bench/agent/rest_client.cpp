#include "bench/agent/rest_client.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <stdexcept>

namespace sb::bench {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

ServerAddress parse_server_url(const std::string& url) {
    constexpr std::string_view scheme = "http://";
    if (!std::string_view(url).starts_with(scheme))
        throw std::invalid_argument("--server must be an http:// URL (the bench talks to a server on loopback): " + url);
    auto rest = url.substr(scheme.size());
    if (auto slash = rest.find('/'); slash != std::string::npos) rest.resize(slash);
    auto colon = rest.rfind(':');
    if (colon == std::string::npos || colon == 0 || colon + 1 == rest.size())
        throw std::invalid_argument("--server must name a host and a port (http://127.0.0.1:8080): " + url);
    return {rest.substr(0, colon), rest.substr(colon + 1)};
}

boost::json::value RestClient::call(const std::string& method, const std::string& target,
                                    const boost::json::value& body) const {
    asio::io_context io;
    asio::ip::tcp::resolver resolver(io);
    beast::tcp_stream stream(io);
    stream.connect(resolver.resolve(address_.host, address_.port));
    http::request<http::string_body> request(http::string_to_verb(method), target, 11);
    request.set(http::field::host, address_.host);
    request.set(http::field::authorization, "Bearer " + api_token_);
    request.set(http::field::content_type, "application/json");
    request.body() = boost::json::serialize(body);
    request.prepare_payload();
    http::write(stream, request);
    beast::flat_buffer buffer;
    http::response<http::string_body> response;
    http::read(stream, buffer, response);
    beast::error_code ignored;
    stream.socket().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
    auto status = response.result_int();
    if (status < 200 || status >= 300)
        throw std::runtime_error(method + " " + target + " answered " + std::to_string(status) + ": " + response.body());
    if (response.body().empty()) return nullptr;
    return boost::json::parse(response.body());
}

}  // namespace sb::bench
