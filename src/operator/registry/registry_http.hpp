#pragma once
// HTTP/1.1 to a container registry (and to its token service, and to the
// storage a blob download is redirected to): one request per connection,
// http:// or https://, asynchronous so the operator's other work goes on
// meanwhile. The only translation unit of the registry client with Beast.
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <cstddef>
#include <functional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sb::op::registry {

// A registry that could not be reached or spoke no HTTP: the message names the URL's host.
class RegistryUnreachable : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

struct HttpRequest {
    std::string method = "GET";
    std::string url;  // absolute: http(s)://host[:port]/path?query
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;
};

struct HttpResponse {
    int status = 0;
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;  // collected unless the request streamed it
    // The first header of that name (case-insensitive), "" when absent.
    std::string header(std::string_view name) const;
};

struct HttpOptions {
    bool verify_tls = true;  // false only for registries the operator lists as insecure
    std::chrono::seconds timeout{120};
    std::size_t max_collected_body = 4 << 20;  // a longer collected body fails the request
};

// One request. A 2xx body goes to `on_body` as it arrives when one is given
// (downloads); every other body is collected. Throws RegistryUnreachable.
boost::asio::awaitable<HttpResponse> send_http(boost::asio::any_io_executor executor, HttpRequest request, HttpOptions options,
                                               std::function<void(std::string_view)> on_body = {});

// Parts of an absolute URL; throws std::invalid_argument for anything else.
struct UrlParts {
    bool tls = true;
    std::string host, port, target;  // target: path and query ("/" when empty)
};
UrlParts split_url(std::string_view url);

// `reference` (absolute, or a path as registries give in Location) resolved against `base`.
std::string resolve_url(std::string_view base, std::string_view reference);

}  // namespace sb::op::registry
