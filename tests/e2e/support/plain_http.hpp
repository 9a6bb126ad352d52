#pragma once
// A minimal HTTP/1.0 GET over a plain TCP socket, used by the tests to
// reach pods by IP inside the node's network namespace.
#include <chrono>
#include <string>

namespace sb::e2e {

struct HttpResult {
    int status = 0;  // 0: no answer (connection refused, timeout)
    std::string body;
    std::string error;
};

HttpResult http_get(const std::string& ip, int port, const std::string& path,
                    std::chrono::milliseconds timeout = std::chrono::seconds(3));

}  // namespace sb::e2e
