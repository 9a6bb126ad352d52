#include "tests/support/tcp_proxy.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace sb::testenv {

namespace {

sockaddr_in loopback(int port) {
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<std::uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return addr;
}

void set_nonblocking(int fd) { ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK); }

// Closes with a reset (RST) instead of an orderly FIN.
void reset(int fd) {
    if (fd < 0) return;
    linger l{1, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
    ::close(fd);
}

// One direction of a connection: bytes read from `from`, not yet written to the other side.
struct Flow {
    std::string pending;
    bool eof = false;       // `from` closed its side
    bool shut = false;      // the other side was told (shutdown SHUT_WR)
};

struct Pair {
    int fd[2];   // 0: the client, 1: the target
    Flow flow[2];  // flow[i]: from fd[i] to fd[1 - i]
    bool failed = false;
    bool done() const { return failed || (flow[0].shut && flow[1].shut); }
};

constexpr std::size_t kMaxPending = 1 << 20;

}  // namespace

TcpProxy::TcpProxy(int target_port) : target_port_(target_port) {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    auto addr = loopback(0);
    if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(listen_fd_, 128) != 0)
        throw std::runtime_error("TcpProxy: cannot listen on 127.0.0.1");
    socklen_t len = sizeof addr;
    ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    set_nonblocking(listen_fd_);
    if (::pipe2(wake_, O_CLOEXEC | O_NONBLOCK) != 0) throw std::runtime_error("TcpProxy: pipe failed");
    thread_ = std::thread([this] { run(); });
}

TcpProxy::~TcpProxy() {
    stop_ = true;
    char c = 's';
    (void)!::write(wake_[1], &c, 1);
    thread_.join();
    ::close(listen_fd_);
    ::close(wake_[0]);
    ::close(wake_[1]);
}

void TcpProxy::drop_all() {
    drop_ = true;
    char c = 'd';
    (void)!::write(wake_[1], &c, 1);
}

void TcpProxy::set_refusing(bool refusing) { refusing_ = refusing; }

void TcpProxy::run() {
    std::vector<std::unique_ptr<Pair>> pairs;
    auto close_pair = [](Pair& p) {
        reset(p.fd[0]);
        reset(p.fd[1]);
        p.fd[0] = p.fd[1] = -1;
    };
    while (!stop_) {
        if (drop_.exchange(false)) {
            dropped_ += pairs.size();
            for (auto& p : pairs) close_pair(*p);
            pairs.clear();
        }
        std::vector<pollfd> fds{{wake_[0], POLLIN, 0}, {listen_fd_, POLLIN, 0}};
        for (auto& p : pairs)
            for (int i = 0; i < 2; ++i) {
                short events = 0;
                if (!p->flow[i].eof && p->flow[i].pending.size() < kMaxPending) events |= POLLIN;
                if (!p->flow[1 - i].pending.empty()) events |= POLLOUT;
                fds.push_back({p->fd[i], events, 0});
            }
        if (::poll(fds.data(), fds.size(), 1000) < 0 && errno != EINTR) break;
        if (fds[0].revents & POLLIN) {
            char buf[64];
            while (::read(wake_[0], buf, sizeof buf) > 0) {
            }
        }
        std::size_t k = 2;
        for (auto& p : pairs) {
            for (int i = 0; i < 2; ++i, ++k) {
                if (p->failed) continue;
                const short revents = fds[k].revents;
                Flow& in = p->flow[i];
                Flow& out = p->flow[1 - i];  // bytes waiting to be written to fd[i]
                if ((revents & POLLOUT) && !out.pending.empty()) {
                    ssize_t n = ::send(p->fd[i], out.pending.data(), out.pending.size(), MSG_NOSIGNAL);
                    if (n > 0) out.pending.erase(0, static_cast<std::size_t>(n));
                    else if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) p->failed = true;
                }
                if ((revents & (POLLIN | POLLHUP | POLLERR)) && !in.eof) {
                    char buf[65536];
                    ssize_t n = ::recv(p->fd[i], buf, sizeof buf, 0);
                    if (n > 0) in.pending.append(buf, static_cast<std::size_t>(n));
                    else if (n == 0) in.eof = true;
                    else if (errno != EAGAIN && errno != EWOULDBLOCK) p->failed = true;
                }
            }
            // A side that closed, once everything it sent was written, is closed on the other side too.
            for (int i = 0; i < 2 && !p->failed; ++i)
                if (p->flow[i].eof && p->flow[i].pending.empty() && !p->flow[i].shut) {
                    ::shutdown(p->fd[1 - i], SHUT_WR);
                    p->flow[i].shut = true;
                }
        }
        for (auto it = pairs.begin(); it != pairs.end();) {
            if ((*it)->done()) {
                close_pair(**it);
                it = pairs.erase(it);
            } else {
                ++it;
            }
        }
        open_ = pairs.size();
        if (fds[1].revents & POLLIN) {
            for (;;) {
                int client = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
                if (client < 0) break;
                if (refusing_) {
                    reset(client);
                    continue;
                }
                int target = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
                auto addr = loopback(target_port_);
                if (::connect(target, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
                    // Nothing listens there (the server is down): the client sees a reset.
                    ::close(target);
                    reset(client);
                    continue;
                }
                set_nonblocking(client);
                set_nonblocking(target);
                auto p = std::make_unique<Pair>();
                p->fd[0] = client;
                p->fd[1] = target;
                pairs.push_back(std::move(p));
            }
            open_ = pairs.size();
        }
    }
    for (auto& p : pairs) close_pair(*p);
}

}  // namespace sb::testenv
