#include "tests/kube/fake_https_server.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <memory>
#include <stdexcept>

namespace sb::kube::testing {

namespace {

template <typename T, void (*Free)(T*)>
using Owned = std::unique_ptr<T, decltype([](T* p) { Free(p); })>;

std::string bio_string(BIO* bio) {
    char* data = nullptr;
    long n = BIO_get_mem_data(bio, &data);
    return std::string(data, static_cast<std::size_t>(n));
}

// A P-256 key and a self-signed certificate for IP 127.0.0.1, valid for a day.
void make_certificate(std::string& cert_pem, std::string& key_pem) {
    Owned<EVP_PKEY, EVP_PKEY_free> key(EVP_EC_gen("P-256"));
    Owned<X509, X509_free> cert(X509_new());
    if (!key || !cert) throw std::runtime_error("fake server: key generation failed");
    X509_set_version(cert.get(), 2);
    ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), 1);
    X509_gmtime_adj(X509_getm_notBefore(cert.get()), -60);
    X509_gmtime_adj(X509_getm_notAfter(cert.get()), 86400);
    X509_set_pubkey(cert.get(), key.get());
    X509_NAME* name = X509_get_subject_name(cert.get());
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("fake-apiserver"), -1,
                               -1, 0);
    X509_set_issuer_name(cert.get(), name);
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, cert.get(), cert.get(), nullptr, nullptr, 0);
    for (auto [nid, value] : {std::pair{NID_subject_alt_name, "IP:127.0.0.1"}, std::pair{NID_basic_constraints, "CA:TRUE"}}) {
        Owned<X509_EXTENSION, X509_EXTENSION_free> ext(X509V3_EXT_conf_nid(nullptr, &ctx, nid, value));
        X509_add_ext(cert.get(), ext.get(), -1);
    }
    if (X509_sign(cert.get(), key.get(), EVP_sha256()) == 0) throw std::runtime_error("fake server: signing failed");
    Owned<BIO, BIO_free_all> cert_bio(BIO_new(BIO_s_mem())), key_bio(BIO_new(BIO_s_mem()));
    PEM_write_bio_X509(cert_bio.get(), cert.get());
    PEM_write_bio_PrivateKey(key_bio.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr);
    cert_pem = bio_string(cert_bio.get());
    key_pem = bio_string(key_bio.get());
}

// Reads one request (headers, then a Content-Length body). False when the peer went away.
bool read_request(SSL* ssl, FakeRequest& out) {
    std::string data;
    char buf[4096];
    std::size_t header_end;
    while ((header_end = data.find("\r\n\r\n")) == std::string::npos) {
        int n = SSL_read(ssl, buf, sizeof buf);
        if (n <= 0) return false;
        data.append(buf, static_cast<std::size_t>(n));
    }
    auto line_end = data.find("\r\n");
    auto request_line = data.substr(0, line_end);
    auto sp1 = request_line.find(' '), sp2 = request_line.rfind(' ');
    out.method = request_line.substr(0, sp1);
    out.target = request_line.substr(sp1 + 1, sp2 - sp1 - 1);
    out.headers = data.substr(line_end + 2, header_end - line_end - 2);
    std::size_t length = 0;
    for (std::size_t pos = 0; pos < out.headers.size();) {
        auto end = out.headers.find("\r\n", pos);
        if (end == std::string::npos) end = out.headers.size();
        auto line = out.headers.substr(pos, end - pos);
        if (strncasecmp(line.c_str(), "content-length:", 15) == 0) length = std::stoul(line.substr(15));
        pos = end + 2;
    }
    out.body = data.substr(header_end + 4);
    while (out.body.size() < length) {
        int n = SSL_read(ssl, buf, sizeof buf);
        if (n <= 0) return false;
        out.body.append(buf, static_cast<std::size_t>(n));
    }
    return true;
}

}  // namespace

FakeReply FakeReply::status(int code, const std::string& body, const std::string& extra_headers) {
    FakeReply r;
    r.parts.push_back("HTTP/1.1 " + std::to_string(code) + " X\r\nContent-Type: application/json\r\nContent-Length: " +
                      std::to_string(body.size()) + "\r\nConnection: close\r\n" + extra_headers + "\r\n" + body);
    return r;
}

FakeReply FakeReply::reset_connection() {
    FakeReply r;
    r.reset = true;
    return r;
}

FakeReply FakeReply::chunked(const std::vector<std::string>& chunks, std::chrono::milliseconds pause, bool finish) {
    FakeReply r;
    r.pause = pause;
    r.parts.push_back("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n");
    for (const auto& c : chunks) {
        char size[32];
        std::snprintf(size, sizeof size, "%zx\r\n", c.size());
        r.parts.push_back(size + c + "\r\n");
    }
    if (finish)
        r.parts.push_back("0\r\n\r\n");
    else
        r.wait_for_client_close = true;
    return r;
}

FakeHttpsServer::FakeHttpsServer(Script script) : script_(std::move(script)) {
    make_certificate(cert_pem_, key_pem_);
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), len) != 0 || ::listen(listen_fd_, 16) != 0 ||
        ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0)
        throw std::runtime_error("fake server: cannot listen");
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { serve(); });
}

FakeHttpsServer::~FakeHttpsServer() {
    ::shutdown(listen_fd_, SHUT_RDWR);  // wakes accept()
    thread_.join();
    ::close(listen_fd_);
}

std::string FakeHttpsServer::url() const { return "https://127.0.0.1:" + std::to_string(port_); }

std::vector<FakeRequest> FakeHttpsServer::requests() const {
    std::lock_guard lock(mutex_);
    return requests_;
}

void FakeHttpsServer::serve() {
    Owned<SSL_CTX, SSL_CTX_free> ctx(SSL_CTX_new(TLS_server_method()));
    Owned<BIO, BIO_free_all> cert_bio(BIO_new_mem_buf(cert_pem_.data(), static_cast<int>(cert_pem_.size())));
    Owned<BIO, BIO_free_all> key_bio(BIO_new_mem_buf(key_pem_.data(), static_cast<int>(key_pem_.size())));
    Owned<X509, X509_free> cert(PEM_read_bio_X509(cert_bio.get(), nullptr, nullptr, nullptr));
    Owned<EVP_PKEY, EVP_PKEY_free> key(PEM_read_bio_PrivateKey(key_bio.get(), nullptr, nullptr, nullptr));
    SSL_CTX_use_certificate(ctx.get(), cert.get());
    SSL_CTX_use_PrivateKey(ctx.get(), key.get());
    for (;;) {
        int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
        if (fd < 0) return;  // shut down
        Owned<SSL, SSL_free> ssl(SSL_new(ctx.get()));
        SSL_set_fd(ssl.get(), fd);
        FakeRequest request;
        if (SSL_accept(ssl.get()) == 1 && read_request(ssl.get(), request)) {
            {
                std::lock_guard lock(mutex_);
                requests_.push_back(request);
            }
            FakeReply reply = script_(request);
            if (reply.reset) {
                linger hard{1, 0};
                ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &hard, sizeof hard);
                ::close(fd);
                continue;
            }
            for (const auto& part : reply.parts) {
                SSL_write(ssl.get(), part.data(), static_cast<int>(part.size()));
                if (reply.pause.count() > 0) std::this_thread::sleep_for(reply.pause);
            }
            if (reply.wait_for_client_close) {
                char buf[256];
                while (SSL_read(ssl.get(), buf, sizeof buf) > 0) {
                }
            }
            SSL_shutdown(ssl.get());
        }
        ::close(fd);
    }
}

}  // namespace sb::kube::testing
