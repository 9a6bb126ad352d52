#pragma once
// A scripted HTTPS/1.1 server for client unit tests: on its own thread, one
// connection at a time, one request per connection. Each request goes to the
// script, whose answer says what to send back (a response, chunks with
// pauses, or a TCP reset). Its certificate is self-signed for 127.0.0.1 and
// made at start-up; ca_pem() is what a client must trust.
#include <chrono>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace sb::kube::testing {

struct FakeRequest {
    std::string method;
    std::string target;
    std::string headers;  // raw header lines
    std::string body;
};

struct FakeReply {
    // Each part is written as it is, then the server waits `pause` before the next.
    std::vector<std::string> parts;
    std::chrono::milliseconds pause{0};
    bool reset = false;                  // no answer: close with a TCP RST
    bool wait_for_client_close = false;  // after the parts, keep the connection until the client goes

    static FakeReply status(int code, const std::string& body, const std::string& extra_headers = "");
    static FakeReply reset_connection();
    // 200 with Transfer-Encoding: chunked, one chunk per element.
    static FakeReply chunked(const std::vector<std::string>& chunks, std::chrono::milliseconds pause = {},
                             bool finish = true);
};

class FakeHttpsServer {
public:
    using Script = std::function<FakeReply(const FakeRequest&)>;
    explicit FakeHttpsServer(Script script);
    ~FakeHttpsServer();
    FakeHttpsServer(const FakeHttpsServer&) = delete;
    FakeHttpsServer& operator=(const FakeHttpsServer&) = delete;

    std::string url() const;
    const std::string& ca_pem() const { return cert_pem_; }
    std::vector<FakeRequest> requests() const;

private:
    void serve();

    Script script_;
    std::string cert_pem_, key_pem_;
    int listen_fd_ = -1;
    int port_ = 0;
    std::thread thread_;
    mutable std::mutex mutex_;
    std::vector<FakeRequest> requests_;
};

}  // namespace sb::kube::testing
