#include "tests/e2e/support/plain_http.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace sb::e2e {

HttpResult http_get(const std::string& ip, int port, const std::string& path, std::chrono::milliseconds timeout) {
    HttpResult result;
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return {0, "", std::strerror(errno)};
    timeval tv{};
    tv.tv_sec = timeout.count() / 1000;
    tv.tv_usec = (timeout.count() % 1000) * 1000;
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    if (inet_pton(AF_INET, ip.c_str(), &addr.sin_addr) != 1) {
        close(fd);
        return {0, "", "bad IPv4 address '" + ip + "'"};
    }
    if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
        result.error = std::string("connect: ") + std::strerror(errno);
        close(fd);
        return result;
    }
    const std::string request = "GET " + path + " HTTP/1.0\r\nHost: " + ip + "\r\nConnection: close\r\n\r\n";
    if (send(fd, request.data(), request.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(request.size())) {
        result.error = std::string("send: ") + std::strerror(errno);
        close(fd);
        return result;
    }
    std::string response;
    char buf[4096];
    for (ssize_t n; (n = recv(fd, buf, sizeof(buf), 0)) > 0;) response.append(buf, static_cast<size_t>(n));
    close(fd);
    // "HTTP/1.x NNN ..."
    if (response.size() < 12 || response.compare(0, 5, "HTTP/") != 0) {
        result.error = "no HTTP response";
        return result;
    }
    result.status = std::atoi(response.c_str() + response.find(' ') + 1);
    auto body_at = response.find("\r\n\r\n");
    if (body_at != std::string::npos) result.body = response.substr(body_at + 4);
    return result;
}

}  // namespace sb::e2e
