#pragma once
// A deliberately small, synchronous HTTPS client for test fixtures: it
// probes /readyz while a control plane starts and lets harness tests talk to
// the API server before (and independently of) libkube.
#include <string>

namespace sb::testenv {

struct ProbeResponse {
    int status = 0;
    std::string body;
};

struct ProbeRequest {
    std::string method = "GET";
    std::string target = "/";
    std::string bearer_token;
    std::string body;
    std::string content_type = "application/json";
};

// `ca_pem` verifies the server certificate; connects to 127.0.0.1:port.
ProbeResponse https_request(int port, const std::string& ca_pem, const ProbeRequest& request);

}  // namespace sb::testenv
