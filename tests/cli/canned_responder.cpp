#include "tests/cli/canned_responder.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <stdexcept>

namespace sb::cli::testing {

CannedResponder::CannedResponder(std::string response) : response_(std::move(response)) {
    listener_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    if (::bind(listener_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(listener_, 16) != 0)
        throw std::runtime_error("cannot listen on loopback");
    ::getsockname(listener_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] {
        while (!stop_) {
            pollfd p{listener_, POLLIN, 0};
            if (::poll(&p, 1, 50) <= 0) continue;
            int client = ::accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
            if (client < 0) continue;
            ++connections_;
            char buffer[4096];
            pollfd c{client, POLLIN, 0};
            if (::poll(&c, 1, 2000) > 0) (void)!::read(client, buffer, sizeof buffer);  // the request (or a TLS hello)
            (void)!::write(client, response_.data(), response_.size());
            ::shutdown(client, SHUT_WR);
            while (::poll(&c, 1, 200) > 0 && ::read(client, buffer, sizeof buffer) > 0) {
            }
            ::close(client);
        }
    });
}

CannedResponder::~CannedResponder() {
    stop_ = true;
    thread_.join();
    ::close(listener_);
}

bool http_ok(int port, const std::string& path) {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bool ok = false;
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) {
        std::string request = "GET " + path + " HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n";
        (void)!::write(fd, request.data(), request.size());
        char buffer[64] = {};
        ssize_t n = ::read(fd, buffer, sizeof buffer - 1);
        ok = n > 12 && std::string(buffer, static_cast<std::size_t>(n)).substr(8, 5) == " 200 ";
    }
    ::close(fd);
    return ok;
}

}  // namespace sb::cli::testing
